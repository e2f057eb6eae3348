import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, startSession, type Session, type SessionEnd } from '../api';
import { t } from '../i18n';
import { deviceId, waitingOnDevice } from '../offline/vault';
import { Field, FormEnd, useSubmit } from '../ui';

export function LoginPage({
  ended,
  languageButton,
}: {
  ended?: SessionEnd;
  languageButton: ComponentChildren;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  // Records left by a closed tab or a logout: the count only (whose they are needs their key).
  const [waiting, setWaiting] = useState(0);
  useEffect(() => void waitingOnDevice().then(setWaiting, () => undefined), []);
  const { busy, problem, submit } = useSubmit(async () =>
    startSession(await api<Session>('POST', '/v1/auth/login', { username, password, device: deviceId() })),
  );

  return (
    <main class="login" id="main">
      <div class="login-top">
        <h1>{t('app.title')}</h1>
        {languageButton}
      </div>
      {ended && (
        <p class="notice" role="status">
          {t(ended === 'expired' ? 'login.expired' : 'login.loggedOut')}
        </p>
      )}
      {waiting > 0 && (
        <p class="notice" role="status">
          {t('login.outboxWaiting', { count: waiting })}
        </p>
      )}
      <form onSubmit={submit} aria-labelledby="login-title">
        <h2 id="login-title">{t('login.title')}</h2>
        <Field id="username" label={t('login.username')} required>
          <input
            id="username"
            name="username"
            autocomplete="username"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </Field>
        <Field id="password" label={t('login.password')} required>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        <FormEnd busy={busy} problem={problem} label={t('login.submit')} busyLabel={t('login.busy')} />
      </form>
    </main>
  );
}
