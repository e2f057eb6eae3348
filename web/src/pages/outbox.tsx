import type { Problem } from '../api';
import { formatTime, label, t } from '../i18n';
import { problemMessage } from '../i18n/problems';
import { dismiss, syncOutbox, useOnline, useOutbox, type Queued } from '../offline/outbox';
import { Empty } from '../ui';

// The outbox on screen: its count in the header, the list of what waits, and at a case what waits
// for it or was refused after the sync, in the user's words with what to do next.

/** The header's "待发送 3" (and "离线" while the network is down): a tap opens the list. */
export function OutboxBadge() {
  const items = useOutbox();
  const online = useOnline();
  const refused = items.filter(({ item }) => item.state === 'refused').length;
  return (
    <>
      {!online && <span class="badge offline">{t('outbox.offline')}</span>}
      {items.length > 0 && (
        <a href="#/outbox" class={`badge outbox${refused ? ' refused' : ''}`}>
          {t('outbox.badge', { count: items.length })}
        </a>
      )}
    </>
  );
}

function Refusal({ problem }: { problem: Problem }) {
  const { message, original } = problemMessage(problem);
  return (
    <div class="problem" role="alert">
      <p>{message}</p>
      {original && <p class="original">{original}</p>}
      <p>{t('outbox.refusedHelp')}</p>
    </div>
  );
}

function Entry({ queued, withCase }: { queued: Queued; withCase: boolean }) {
  const { item } = queued;
  return (
    <li class={`outbox-item ${item.state}`}>
      <strong>{label('event', item.type)}</strong>
      {withCase && item.caseName && <span> · {item.caseName}</span>}
      <span class="muted"> · {t('outbox.happened', { when: formatTime(item.body.occurredAt) })}</span>
      <span class={`badge outbox-${item.state}`}>{t(`outbox.${item.state}`)}</span>
      {item.state === 'refused' && item.problem && <Refusal problem={item.problem} />}
      <div class="actions">
        {withCase && <a href={`#/cases/${item.caseId}`}>{t('outbox.openCase')}</a>}
        {item.state === 'refused' && (
          <button type="button" onClick={() => void dismiss(queued.id)}>
            {t('outbox.dismiss')}
          </button>
        )}
      </div>
    </li>
  );
}

export function OutboxPage() {
  const items = useOutbox();
  const online = useOnline();
  return (
    <section aria-labelledby="outbox-title">
      <h1 id="outbox-title">{t('outbox.title')}</h1>
      <p class="muted">{t('outbox.intro')}</p>
      {items.length === 0 ? (
        <Empty>{t('outbox.empty')}</Empty>
      ) : (
        <>
          <ol class="outbox-list">
            {items.map((queued) => (
              <Entry key={queued.id} queued={queued} withCase />
            ))}
          </ol>
          <button type="button" disabled={!online} onClick={() => void syncOutbox()}>
            {t('outbox.sendNow')}
          </button>
        </>
      )}
    </section>
  );
}

/** At a case: what waits to be sent for it, and what the API refused after the sync. */
export function OutboxAtCase({ caseId }: { caseId: string }) {
  const items = useOutbox().filter(({ item }) => item.caseId === caseId);
  if (items.length === 0) return null;
  return (
    <section aria-labelledby="case-outbox-title">
      <h2 id="case-outbox-title">{t('outbox.atCase')}</h2>
      <ol class="outbox-list">
        {items.map((queued) => (
          <Entry key={queued.id} queued={queued} withCase={false} />
        ))}
      </ol>
    </section>
  );
}
