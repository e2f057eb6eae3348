import { and, asc, eq } from 'drizzle-orm';
import type { OutboundCaseworkerMessage } from '../../activities/notifier';
import { caseworkerMessages, cases, notifications } from '../../db/schema';
import { lifecycle } from '../helpers/lifecycle';
import { startTestSystem, type TestSystem } from '../helpers/system';

// Issue 18 item 3 on the accelerated policy (a day lasts a second, the reminder lead time is two),
// with the real worker, its daily rounds and the run's Temporal dev server: real time passes.

let system: TestSystem;
let caseId: string;
let testTask: { id: string; dueAt: string };
let homeVisitTask: { id: string; dueAt: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  system = await startTestSystem({ policy: 'accelerated', dailyRounds: true });
  const life = lifecycle(system);
  // In the community; the first home visit (R6, 3 s) is left undone so it goes overdue and the
  // ladder escalates it (R11).
  caseId = await life.inCommunity();
  homeVisitTask = (await life.openTasks(caseId)).find((task) => task.kind === 'first_home_visit')!;
  // The first scheduled test (R8) is asked for 14 s into the term and due 3 s later.
  for (let waited = 0; !testTask && waited < 60_000; waited += 250) {
    await sleep(250);
    testTask = (await life.openTasks(caseId)).find((task) => task.kind === 'test')!;
  }
  // Two rounds after the test fell due: any round that would remind it twice has run.
  await sleep(Date.parse(testTask.dueAt) + 2_500 - Date.now());
}, 180_000);

afterAll(async () => {
  await system?.close();
}, 180_000);

const messagesOf = (kind: 'due_reminder' | 'daily_summary', username: string) =>
  system.db.database.db
    .select()
    .from(caseworkerMessages)
    .where(and(eq(caseworkerMessages.kind, kind), eq(caseworkerMessages.username, username)))
    .orderBy(asc(caseworkerMessages.createdAt));

const sentTo = (username: string, reason: string) =>
  system.outbox.filter(
    (m): m is OutboundCaseworkerMessage => 'username' in m && m.username === username && m.reason === reason,
  );

describe('daily rounds on the accelerated policy', () => {
  it('R8: a scheduled test due within the lead time gets one reminder to the caseworker, not one per round', async () => {
    const reminders = (await messagesOf('due_reminder', 'worker.canglang')).filter(
      (m) => m.caseId === caseId && m.taskId === testTask.id,
    );
    expect(reminders).toHaveLength(1);
    const reminder = reminders[0]!;
    const due = Date.parse(testTask.dueAt);
    expect(reminder.dueAt?.toISOString()).toBe(new Date(due).toISOString());
    expect(reminder).toMatchObject({ taskKind: 'test', rule: 'R8', status: 'delivered' });
    // Before the test fell due, and no earlier than the policy's lead time (2 s).
    expect(reminder.createdAt.getTime()).toBeLessThan(due);
    expect(reminder.createdAt.getTime()).toBeGreaterThanOrEqual(due - 2_000);

    const delivered = sentTo('worker.canglang', 'due_reminder').filter((m) => m.taskId === testTask.id);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ caseId, rule: 'R8', taskKind: 'test', dueAt: testTask.dueAt });
    // A caseworker of another street hears nothing of the case.
    expect((await messagesOf('due_reminder', 'worker.changqiao')).filter((m) => m.caseId === caseId)).toEqual(
      [],
    );
  });

  it('the daily summary counts what is due, what went overdue and what the engine escalated, one per day', async () => {
    const summaries = await messagesOf('daily_summary', 'worker.canglang');
    expect(summaries.length).toBeGreaterThan(1);
    expect(new Set(summaries.map((s) => s.periodStart!.toISOString())).size).toBe(summaries.length);

    for (const summary of summaries) {
      const { counts, items } = summary;
      expect(counts).toMatchObject({
        due: items!.due.length,
        wentOverdue: items!.wentOverdue.length,
        escalated: items!.escalated.length,
      });
      for (const task of items!.due) {
        expect(Date.parse(task.dueAt)).toBeGreaterThanOrEqual(summary.periodStart!.getTime());
        expect(Date.parse(task.dueAt)).toBeLessThan(summary.periodEnd!.getTime());
      }
    }

    // R6/R11: the first home visit went overdue; the summary whose span holds its due time says so.
    const homeVisitDue = Date.parse(homeVisitTask.dueAt);
    const covering = summaries.filter(
      (s) => Date.parse(s.items!.since) <= homeVisitDue && homeVisitDue < Date.parse(s.items!.until),
    );
    expect(covering).toHaveLength(1);
    expect(covering[0]!.items!.wentOverdue.map((t) => t.taskId)).toContain(homeVisitTask.id);
    expect(covering[0]!.counts!.overdue).toBeGreaterThanOrEqual(1);

    // Every escalation of the case within the summaries' spans is counted once, in the span that holds it.
    const from = Math.min(...summaries.map((s) => Date.parse(s.items!.since)));
    const to = Math.max(...summaries.map((s) => Date.parse(s.items!.until)));
    const sent = await system.db.database.db
      .select({ id: notifications.id, at: notifications.createdAt })
      .from(notifications)
      .where(eq(notifications.caseId, caseId));
    const expected = sent.filter((n) => n.at.getTime() >= from && n.at.getTime() < to).map((n) => n.id);
    expect(expected.length).toBeGreaterThan(0);
    const counted = summaries.flatMap((s) => s.items!.escalated.map((n) => n.notificationId));
    expect(counted.sort()).toEqual(expected.sort());
  });

  it('R21: the summary goes through the notifier with ids and counts only, never who it is about', async () => {
    const [person] = (await system.db.database.db.select().from(cases).where(eq(cases.id, caseId))) as [
      typeof cases.$inferSelect,
    ];
    const stored = await messagesOf('daily_summary', 'worker.canglang');
    const sent = sentTo('worker.canglang', 'daily_summary');
    expect(sent.length).toBeGreaterThan(0);
    for (const message of sent) {
      const row = stored.find((s) => s.id === message.id)!;
      expect(message).toEqual({
        id: row.id,
        caseId: null,
        recipient: 'caseworker',
        username: 'worker.canglang',
        reason: 'daily_summary',
        rule: null,
        taskId: null,
        taskKind: null,
        dueAt: null,
        period: { start: row.periodStart!.toISOString(), end: row.periodEnd!.toISOString() },
        counts: row.counts,
        createdAt: row.createdAt.toISOString(),
      });
      expect(sent.filter((m) => m.id === message.id)).toHaveLength(1);
    }
    const everything = JSON.stringify(system.outbox);
    for (const secret of [person.personName, person.idNumber, person.residenceAddress, person.phone!])
      expect(everything).not.toContain(secret);
  });

  it('a caseworker reads their own summaries in the console API; another street has none of theirs', async () => {
    const mine = await system.as('worker.canglang', { method: 'GET', url: '/v1/summaries?limit=60' });
    expect(mine.statusCode).toBe(200);
    const stored = await messagesOf('daily_summary', 'worker.canglang');
    const items = mine.json().items as { id: string; counts: unknown }[];
    expect(items.map((s) => s.id).sort()).toEqual(stored.map((s) => s.id).sort());
    expect(items[0]!.counts).toEqual(stored.find((s) => s.id === items[0]!.id)!.counts);
    const other = await system.as('worker.changqiao', { method: 'GET', url: '/v1/summaries' });
    expect(other.json().items).toEqual([]);
  });

  it('/metrics counts the reminders and summaries delivered', async () => {
    const text = (await system.app.inject({ method: 'GET', url: '/metrics' })).body;
    const value = (series: string) =>
      Number(
        text
          .split('\n')
          .find((line) => line.startsWith(`${series} `))
          ?.slice(series.length + 1),
      );
    // Read after the metrics: the rounds go on meanwhile and only add.
    const stored = await system.db.database.db.select().from(caseworkerMessages);
    for (const kind of ['due_reminder', 'daily_summary']) {
      const shown = value(`rehab_caseworker_messages{kind="${kind}",status="delivered"}`);
      expect(shown).toBeGreaterThanOrEqual(1);
      expect(shown).toBeLessThanOrEqual(
        stored.filter((m) => m.kind === kind && m.status === 'delivered').length,
      );
    }
  });
});
