import { formatTime, label, t } from '../i18n';
import { CaseCard, Empty, Loadable, useResource } from '../ui';

interface Notification {
  id: string;
  caseId: string;
  reason: string;
  rule: string;
  createdAt: string;
  officer: string | null;
}

/** The police officer's notices: the cases' police notifications named to them or to no officer (R24). */
export function NotificationsPage() {
  const list = useResource<{ items: Notification[] }>('/v1/notifications?mine=true&limit=200');
  return (
    <section aria-labelledby="notifications-title">
      <h1 id="notifications-title">{t('notifications.title')}</h1>
      <p class="intro">{t('notifications.intro')}</p>
      <Loadable resource={list}>
        {({ items }) =>
          items.length === 0 ? (
            <Empty>{t('notifications.empty')}</Empty>
          ) : (
            <ul class="cards">
              {items.map((n) => (
                <CaseCard key={n.id} id={n.caseId} name={label('notify', n.reason)}>
                  <span class="muted">
                    {formatTime(n.createdAt)} · {n.rule}
                    {n.officer ? ` · ${t('notifications.named')}` : ''}
                  </span>
                </CaseCard>
              ))}
            </ul>
          )
        }
      </Loadable>
    </section>
  );
}
