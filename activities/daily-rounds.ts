import {
  activeCaseworkers,
  countCaseworkerMessageAttempt,
  escalationsOfCaseworker,
  findCaseworkerMessage,
  insertCaseworkerMessages,
  markCaseworkerMessageDelivered,
  pendingCaseworkerMessageIds,
  type NewCaseworkerMessage,
} from '../db/caseworker-messages';
import type { Db } from '../db/client';
import type { TaskRow } from '../db/schema';
import { inbox } from '../db/tasks';
import { REMINDED_TASKS, wallClock, type SummaryItems, type SummaryTask } from '../schemas/due';
import type { RoundResult, RoundsSettings } from '../workflows/daily-rounds.messages';
import { deliverOnce, outboundCaseworkerMessage, type NotificationChannel } from './notifier';

/** More open tasks than this in one inbox is beyond any caseload; the rest waits for the next round. */
const INBOX_LIMIT = 2_000;
/** How long the engine may take to write what it did (a notification's time is when it acted). */
const SETTLE_MS = 2_000;
/** Deliveries offered per round. */
const DELIVERIES_PER_ROUND = 200;

/** The offset of a time zone from UTC at an instant, in milliseconds. */
export function zoneOffset(ms: number, timeZone: string): number {
  return wallClock(ms, timeZone) - Math.floor(ms / 1000) * 1000;
}

/** The policy day `at` falls in: from one round (local midnight + summaryAt) to the next. */
export function roundPeriod(at: number, settings: RoundsSettings): { start: number; end: number } {
  const offset = zoneOffset(at, settings.timeZone);
  const day = Math.floor((at + offset - settings.summaryAt) / settings.dayLength);
  const start = day * settings.dayLength + settings.summaryAt - offset;
  return { start, end: start + settings.dayLength };
}

const summaryTask = (task: TaskRow): SummaryTask => ({
  caseId: task.caseId,
  taskId: task.id,
  kind: task.kind,
  dueAt: task.dueAt.toISOString(),
});

function isReminded(kind: string): kind is keyof typeof REMINDED_TASKS {
  return Object.hasOwn(REMINDED_TASKS, kind);
}

/** The daily rounds' activities (workflows/daily-rounds.ts); each idempotent by its message ids. */
export function createRoundActivities({ db, channels }: { db: Db; channels: NotificationChannel[] }) {
  return {
    /**
     * One round at `at`, for every caseworker: a reminder for each task of theirs due within the
     * lead time (id: caseworker, task, due time), and the summary of the day (id: caseworker, day)
     * when there is anything to say: what is due within the day, and what went overdue or was
     * escalated from `since` to a moment before the round. A retried round writes nothing twice.
     */
    async runDailyRound({
      settings,
      at,
      since,
    }: {
      settings: RoundsSettings;
      at: number;
      since?: number;
    }): Promise<RoundResult> {
      const now = new Date(at);
      const period = roundPeriod(at, settings);
      // The span reported as gone overdue and escalated ends a moment before the round, so a
      // notification the engine is still writing goes to the next summary instead of none.
      const end = Math.min(period.start, at - SETTLE_MS);
      const before = { start: Math.min(since ?? period.start - settings.dayLength, end), end };
      for (const caseworker of await activeCaseworkers(db)) {
        const rows = await inbox(
          db,
          { role: 'caseworker', assignee: caseworker.username, now, limit: INBOX_LIMIT },
          caseworker.jurisdictions,
        );
        const open = rows.map((r) => r.task);
        const messages: NewCaseworkerMessage[] = [];
        for (const task of open) {
          const dueAt = task.dueAt.getTime();
          if (!isReminded(task.kind) || dueAt <= at || dueAt > at + settings.leadTime) continue;
          messages.push({
            id: `due_reminder:${caseworker.username}:${task.caseId}:${task.id}:${dueAt}`,
            username: caseworker.username,
            kind: 'due_reminder',
            caseId: task.caseId,
            taskId: task.id,
            taskKind: task.kind,
            rule: REMINDED_TASKS[task.kind],
            dueAt: task.dueAt,
            createdAt: now,
            status: 'pending',
          });
        }
        const within = (task: TaskRow, p: { start: number; end: number }) =>
          task.dueAt.getTime() >= p.start && task.dueAt.getTime() < p.end;
        const escalated = await escalationsOfCaseworker(
          db,
          caseworker.username,
          caseworker.jurisdictions,
          new Date(before.start),
          new Date(before.end),
        );
        const items: SummaryItems = {
          since: new Date(before.start).toISOString(),
          until: new Date(before.end).toISOString(),
          due: open.filter((task) => within(task, period)).map(summaryTask),
          wentOverdue: open.filter((task) => within(task, before)).map(summaryTask),
          escalated: escalated.map((n) => ({ ...n, createdAt: n.createdAt.toISOString() })),
        };
        const counts = {
          due: items.due.length,
          wentOverdue: items.wentOverdue.length,
          overdue: open.filter((task) => task.dueAt.getTime() < at).length,
          escalated: items.escalated.length,
        };
        if (counts.due + counts.wentOverdue + counts.overdue + counts.escalated > 0) {
          messages.push({
            id: `daily_summary:${caseworker.username}:${new Date(period.start).toISOString()}`,
            username: caseworker.username,
            kind: 'daily_summary',
            periodStart: new Date(period.start),
            periodEnd: new Date(period.end),
            counts,
            items,
            createdAt: now,
            status: 'pending',
          });
        }
        await insertCaseworkerMessages(db, messages);
      }
      return {
        messageIds: await pendingCaseworkerMessageIds(db, DELIVERIES_PER_ROUND),
        nextRoundAt: period.end,
        reportedUntil: before.end,
      };
    },

    /** Idempotent by message id: a delivered message is never sent again. */
    async deliverCaseworkerMessage(id: string): Promise<void> {
      await deliverOnce(id, channels, outboundCaseworkerMessage, {
        find: (key) => findCaseworkerMessage(db, key),
        attempted: (key) => countCaseworkerMessageAttempt(db, key),
        delivered: (key, at) => markCaseworkerMessageDelivered(db, key, at),
      });
    },
  };
}
