import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, onSessionChange, type Role, type Session, type SessionEnd } from './api';
import { lang, setLang, t, type MessageKey } from './i18n';
import { logOut, startOffline } from './offline/outbox';
import { CasePage } from './pages/case';
import { CasesPage } from './pages/cases';
import { HandoverPage } from './pages/handover';
import { ImportsPage } from './pages/imports';
import { InboxPage } from './pages/inbox';
import { LoginPage } from './pages/login';
import { PasswordPage } from './pages/password';
import { PoliceOrderPage } from './pages/police-order';
import { ReleasesPage } from './pages/releases';
import { ReportPage } from './pages/report';
import { NotificationsPage } from './pages/notifications';
import { OutboxBadge, OutboxPage } from './pages/outbox';
import { SupervisorPage } from './pages/supervisor';

// Each role's menu; the first entry is where that role lands after login.
const MENUS: Record<Role, [string, MessageKey][]> = {
  liaison: [
    ['#/releases', 'nav.releases'],
    ['#/handover', 'nav.handover'],
    ['#/cases', 'nav.cases'],
  ],
  caseworker: [
    ['#/inbox', 'nav.inbox'],
    ['#/cases', 'nav.cases'],
    ['#/police-order', 'nav.policeOrder'],
  ],
  supervisor: [
    ['#/supervisor', 'nav.supervisor'],
    ['#/report', 'nav.report'],
    ['#/cases', 'nav.cases'],
    ['#/police-order', 'nav.policeOrder'],
    ['#/imports', 'nav.imports'],
  ],
  police: [
    ['#/notifications', 'nav.notifications'],
    ['#/cases', 'nav.cases'],
    ['#/police-order', 'nav.policeOrder'],
  ],
};

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

function Page({ hash, session }: { hash: string; session: Session }) {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const caseMatch = /^\/cases\/([0-9a-f-]{36})$/.exec(path ?? '');
  if (caseMatch) return <CasePage id={caseMatch[1]!} task={params.get('task')} user={session.user} />;
  switch (path) {
    case '/releases':
      return <ReleasesPage />;
    case '/handover':
      return <HandoverPage />;
    case '/police-order':
      return <PoliceOrderPage />;
    case '/inbox':
      return <InboxPage />;
    case '/supervisor':
      return <SupervisorPage />;
    case '/report':
      return <ReportPage />;
    case '/notifications':
      return <NotificationsPage />;
    case '/cases':
      return <CasesPage />;
    case '/outbox':
      return <OutboxPage />;
    case '/password':
      return <PasswordPage />;
    case '/imports':
      return session.user.role === 'supervisor' ? <ImportsPage /> : null;
    default:
      location.replace(MENUS[session.user.role][0]![0]);
      return null;
  }
}

function App() {
  const [session, setSession] = useState(currentSession());
  const [ended, setEnded] = useState<SessionEnd | undefined>();
  const [language, setLanguage] = useState(lang());
  const hash = useHash();
  useEffect(() => {
    document.documentElement.lang = language;
    document.title = t('app.title');
  }, [language]);
  useEffect(() => {
    void startOffline(currentSession());
    onSessionChange((next, why) => {
      setSession(next);
      setEnded(why);
      if (next) void startOffline(next);
    });
  }, []);
  const switchLanguage = () => {
    setLang(lang() === 'zh-CN' ? 'en' : 'zh-CN');
    setLanguage(lang());
  };
  const languageButton = (
    // The visible word is the other language's own name (in that language); its name for a screen
    // reader starts with it, then says what the button does.
    <button type="button" class="link" onClick={switchLanguage}>
      <span lang={language === 'zh-CN' ? 'en' : 'zh-CN'}>{t('app.language')}</span>
      <span class="sr-only"> {t('app.languageLabel')}</span>
    </button>
  );
  if (!session) return <LoginPage ended={ended} languageButton={languageButton} />;
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}
      >
        {t('app.skip')}
      </a>
      <header class="top">
        <div class="bar">
          <strong class="brand">{t('app.title')}</strong>
          <span class="who">{session.user.displayName}</span>
          <OutboxBadge />
          {languageButton}
          <a class="link" href="#/password" aria-current={hash === '#/password' ? 'page' : undefined}>
            {t('app.password')}
          </a>
          <button type="button" class="link" onClick={() => void logOut()}>
            {t('app.logout')}
          </button>
        </div>
        <nav aria-label={t('app.menu')}>
          {MENUS[session.user.role].map(([href, key]) => (
            <a key={href} href={href} aria-current={hash.startsWith(href) ? 'page' : undefined}>
              {t(key)}
            </a>
          ))}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Page hash={hash} session={session} />
      </main>
    </>
  );
}

// The app shell is kept by the service worker (web/src/sw.ts), so the console opens with no network.
if ('serviceWorker' in navigator) void navigator.serviceWorker.register('/sw.js').catch(() => undefined);

const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);
