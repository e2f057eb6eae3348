// What falls due (issue 18): the inbox's buckets, the reminders and the daily summary. Without
// zod, so that the web console shares them as they are.

/** The console's and the rounds' time zone when the policy names none (China has no DST). */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** The inbox's groups, in the order the console shows them. */
export const DUE_BUCKETS = ['overdue', 'today', 'tomorrow', 'this_week', 'later'] as const;
export type DueBucket = (typeof DUE_BUCKETS)[number];

/** The caseworker tasks a reminder goes out for before they fall due, with the rule behind each. */
export const REMINDED_TASKS = {
  agreement: 'R5',
  first_home_visit: 'R6',
  test: 'R8',
  unannounced_test: 'R8',
  contact: 'R9',
  service_review: 'R24',
} as const satisfies Record<string, string>;

const DAY = 86_400_000;

/** The wall-clock time of an instant in a time zone, as milliseconds of a UTC date (to the second). */
export function wallClock(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(ms));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
}

/** The calendar day of an instant in a time zone, as days since 1970-01-01. */
export function localDay(ms: number, timeZone: string): number {
  return Math.floor(wallClock(ms, timeZone) / DAY);
}

/**
 * Which group a task due at `dueAt` falls in at `now`, in calendar days of `timeZone`: past its
 * time, today, tomorrow, the rest of this week (Monday to Sunday), or later.
 */
export function dueBucket(dueAt: number, now: number, timeZone: string = DEFAULT_TIME_ZONE): DueBucket {
  if (dueAt < now) return 'overdue';
  const today = localDay(now, timeZone);
  const days = localDay(dueAt, timeZone) - today;
  if (days <= 0) return 'today';
  if (days === 1) return 'tomorrow';
  // 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays.
  const leftThisWeek = 6 - ((today + 3) % 7);
  return days <= leftThisWeek ? 'this_week' : 'later';
}

/** The counts of a daily summary: what carries no personal data and goes to the gateways. */
export interface SummaryCounts {
  /** Open tasks due within the summary's day. */
  due: number;
  /** Tasks that fell due since the last summary and are still not done. */
  wentOverdue: number;
  /** All open tasks past their due time at the round. */
  overdue: number;
  /** Notifications the engine sent about the caseworker's cases over the same span. */
  escalated: number;
}

/** A task a summary names: ids, kind and due time. */
export interface SummaryTask {
  caseId: string;
  taskId: string;
  kind: string;
  dueAt: string;
}

/** What a summary counted, by id, so the console can list it. */
export interface SummaryItems {
  /** What went overdue and was escalated is counted from `since` to `until` (the last summary's `until`). */
  since: string;
  until: string;
  due: SummaryTask[];
  wentOverdue: SummaryTask[];
  escalated: { caseId: string; notificationId: string; reason: string; rule: string; createdAt: string }[];
}
