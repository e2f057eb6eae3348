import { useState } from 'preact/hooks';
import { DEFAULT_TIME_ZONE, DUE_BUCKETS, dueBucket, type DueBucket } from '../../../schemas/due';
import type { DailySummary } from '../../../schemas/summaries';
import { currentSession, type InboxItem } from '../api';
import { formatTime, relative, t, taskLabel } from '../i18n';
import { Badge, Empty, Loadable, useJurisdictions, useResource } from '../ui';

function TaskLine({ task, now }: { task: InboxItem; now: number }) {
  const jurisdictions = useJurisdictions();
  return (
    <li>
      <a class={`card task ${task.status}`} href={`#/cases/${task.caseId}?task=${task.id}`}>
        <span class="card-title">{task.case.name}</span>
        <span class="task-kind">{taskLabel(task.kind)}</span>
        <span class={task.status === 'overdue' ? 'countdown late' : 'countdown'}>
          {t('inbox.due', { when: relative(task.dueAt, now) })}
        </span>
        <Badge kind="tier" code={task.case.tier} />
        {task.case.delegatedTo && (
          <span class="muted">
            {t('inbox.delegated', { jurisdiction: jurisdictions.path(task.case.jurisdiction) })}
          </span>
        )}
        {task.escalationLevel > 0 && (
          <span class="muted">{t('inbox.escalated', { level: task.escalationLevel })}</span>
        )}
      </a>
    </li>
  );
}

function TaskList({ tasks, now }: { tasks: InboxItem[]; now: number }) {
  return (
    <ul class="cards">
      {tasks.map((task) => (
        <TaskLine key={task.caseId + task.id} task={task} now={now} />
      ))}
    </ul>
  );
}

const SHOWN: readonly DueBucket[] = ['overdue', 'today', 'tomorrow', 'this_week'];

/** The latest daily summary (issue 18): counts only; the tasks themselves are listed below. */
function DailySummaryNote() {
  const resource = useResource<{ items: DailySummary[] }>('/v1/summaries?limit=1');
  const summary = resource.data?.items[0];
  if (!summary) return null;
  const figures = [
    ['summary.due', summary.counts.due],
    ['summary.wentOverdue', summary.counts.wentOverdue],
    ['summary.overdue', summary.counts.overdue],
    ['summary.escalated', summary.counts.escalated],
  ] as const;
  return (
    <section class="summary" aria-labelledby="summary-title">
      <h2 id="summary-title">{t('summary.title')}</h2>
      <dl class="summary-figures">
        {figures.map(([key, value]) => (
          <div key={key}>
            <dt>{t(key)}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <p class="muted">{t('summary.madeAt', { when: formatTime(summary.createdAt) })}</p>
    </section>
  );
}

/**
 * The caseworker's day: the daily summary, then overdue work, what is due today, tomorrow and
 * the rest of this week, soonest first, in the policy's time zone; later work folded away.
 */
export function InboxPage() {
  const resource = useResource<{ items: InboxItem[] }>('/v1/tasks?mine=true&limit=200');
  const policy = useResource<{ document: { reminders?: { timeZone?: string } } }>('/v1/policies/current');
  const timeZone = policy.data?.document.reminders?.timeZone ?? DEFAULT_TIME_ZONE;
  const caseworker = currentSession()?.user.role === 'caseworker';
  const [showLater, setShowLater] = useState(false);
  const now = Date.now();
  return (
    <section aria-labelledby="inbox-title">
      <h1 id="inbox-title">{t('inbox.title')}</h1>
      {caseworker && <DailySummaryNote />}
      <Loadable resource={resource}>
        {({ items }) => {
          const groups = Object.fromEntries(DUE_BUCKETS.map((bucket) => [bucket, [] as InboxItem[]]));
          for (const task of items) {
            const bucket =
              task.status === 'overdue' ? 'overdue' : dueBucket(Date.parse(task.dueAt), now, timeZone);
            groups[bucket]!.push(task);
          }
          const later = groups.later!;
          return (
            <>
              {groups.overdue!.length + groups.today!.length === 0 && <Empty>{t('inbox.empty')}</Empty>}
              {SHOWN.map(
                (bucket) =>
                  groups[bucket]!.length > 0 && (
                    <section key={bucket} aria-labelledby={`due-${bucket}`}>
                      <h2 id={`due-${bucket}`} class={bucket === 'overdue' ? 'late' : undefined}>
                        {t(`inbox.${bucket}`)} ({groups[bucket]!.length})
                      </h2>
                      <TaskList tasks={groups[bucket]!} now={now} />
                    </section>
                  ),
              )}
              {later.length > 0 && (
                <>
                  <button
                    type="button"
                    class="link"
                    aria-expanded={showLater}
                    onClick={() => setShowLater(!showLater)}
                  >
                    {showLater ? t('inbox.hideLater') : t('inbox.showLater', { count: later.length })}
                  </button>
                  {showLater && <TaskList tasks={later} now={now} />}
                </>
              )}
            </>
          );
        }}
      </Loadable>
    </section>
  );
}
