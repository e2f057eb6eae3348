import { useState } from 'preact/hooks';
import type { InboxItem } from '../api';
import { relative, t, taskLabel } from '../i18n';
import { Badge, Empty, Loadable, useJurisdictions, useResource } from '../ui';

function endOfToday(now: number): number {
  const end = new Date(now);
  end.setHours(23, 59, 59, 999);
  return end.getTime();
}

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

/** The caseworker's day: overdue first, then what is due today, soonest first; later work folded away. */
export function InboxPage() {
  const resource = useResource<{ items: InboxItem[] }>('/v1/tasks?mine=true&limit=200');
  const [showLater, setShowLater] = useState(false);
  const now = Date.now();
  return (
    <section aria-labelledby="inbox-title">
      <h1 id="inbox-title">{t('inbox.title')}</h1>
      <Loadable resource={resource}>
        {({ items }) => {
          const overdue = items.filter((task) => task.status === 'overdue');
          const today = items.filter(
            (task) => task.status !== 'overdue' && Date.parse(task.dueAt) <= endOfToday(now),
          );
          const later = items.filter((task) => Date.parse(task.dueAt) > endOfToday(now));
          return (
            <>
              {overdue.length + today.length === 0 && <Empty>{t('inbox.empty')}</Empty>}
              {overdue.length > 0 && (
                <>
                  <h2 class="late">
                    {t('inbox.overdue')} ({overdue.length})
                  </h2>
                  <TaskList tasks={overdue} now={now} />
                </>
              )}
              {today.length > 0 && (
                <>
                  <h2>
                    {t('inbox.today')} ({today.length})
                  </h2>
                  <TaskList tasks={today} now={now} />
                </>
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
