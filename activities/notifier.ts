import { ApplicationFailure } from '@temporalio/activity';
import type { CaseworkerMessageRow, NotificationRow } from '../db/schema';
import type { SummaryCounts } from '../schemas/due';

/** What leaves the system about a notification: ids and reasons, never personal data (R21). */
export interface OutboundNotification {
  id: string;
  caseId: string;
  recipient: string;
  reason: string;
  rule: string;
  taskId: string | null;
  createdAt: string;
}

/**
 * A message to one caseworker (issue 18): a reminder before a task falls due, with its case and
 * task ids, or the daily summary, with counts only. `username` is the staff account to reach.
 */
export interface OutboundCaseworkerMessage {
  id: string;
  caseId: string | null;
  recipient: 'caseworker';
  username: string;
  reason: 'due_reminder' | 'daily_summary';
  rule: string | null;
  taskId: string | null;
  taskKind: string | null;
  dueAt: string | null;
  period: { start: string; end: string } | null;
  counts: SummaryCounts | null;
  createdAt: string;
}

export type OutboundMessage = OutboundNotification | OutboundCaseworkerMessage;

/** A delivery channel. `send` may be called again for the same id after a crash: receivers dedupe by id. */
export interface NotificationChannel {
  name: string;
  send(notification: OutboundMessage): Promise<void>;
}

export function outbound(row: NotificationRow): OutboundNotification {
  return {
    id: row.id,
    caseId: row.caseId,
    recipient: row.recipient,
    reason: row.reason,
    rule: row.rule,
    taskId: row.taskId,
    createdAt: row.createdAt.toISOString(),
  };
}

export function outboundCaseworkerMessage(row: CaseworkerMessageRow): OutboundCaseworkerMessage {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    id: row.id,
    caseId: row.caseId,
    recipient: 'caseworker',
    username: row.username,
    reason: row.kind,
    rule: row.rule,
    taskId: row.taskId,
    taskKind: row.taskKind,
    dueAt: iso(row.dueAt),
    period:
      row.periodStart && row.periodEnd ? { start: iso(row.periodStart)!, end: iso(row.periodEnd)! } : null,
    counts: row.counts,
    createdAt: row.createdAt.toISOString(),
  };
}

/** An outbox table, by id: notifications, or the messages to caseworkers. */
export interface Outbox<Row> {
  find(id: string): Promise<Row | null>;
  attempted(id: string): Promise<void>;
  delivered(id: string, at: Date): Promise<void>;
}

/**
 * Sends one outbox row through every channel, in order, unless it was delivered already; a channel
 * that fails fails the delivery (retried), counted as an attempt. A missing row never will be there.
 */
export async function deliverOnce<Row extends { status: 'pending' | 'delivered' }>(
  id: string,
  channels: NotificationChannel[],
  toMessage: (row: Row) => OutboundMessage,
  outbox: Outbox<Row>,
): Promise<void> {
  const row = await outbox.find(id);
  if (!row)
    throw ApplicationFailure.nonRetryable(`message ${id} is not in the outbox`, 'NotificationMissing');
  if (row.status === 'delivered') return;
  try {
    for (const channel of channels) await channel.send(toMessage(row));
  } catch (error) {
    await outbox.attempted(id);
    throw error;
  }
  await outbox.delivered(id, new Date());
}

/** Writes one structured log line per notification (the default channel). */
export function logChannel(
  log: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): NotificationChannel {
  return {
    name: 'log',
    async send(notification) {
      log(JSON.stringify({ msg: 'notification', ...notification }));
    },
  };
}

/**
 * POSTs the notification as JSON to a webhook (an SMS gateway, a police system's adapter),
 * with `Idempotency-Key: <notification id>` so a retried delivery is recognised.
 */
export function webhookChannel(url: string, timeoutMs = 10_000): NotificationChannel {
  return {
    name: 'webhook',
    async send(notification) {
      const reply = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': notification.id },
        body: JSON.stringify(notification),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!reply.ok) throw new Error(`webhook answered ${reply.status}`);
    },
  };
}

/** The channels a deployment configures: the log always, a webhook when NOTIFY_WEBHOOK_URL is set. */
export function configuredChannels(webhookUrl?: string): NotificationChannel[] {
  return webhookUrl ? [logChannel(), webhookChannel(webhookUrl)] : [logChannel()];
}
