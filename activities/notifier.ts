import type { NotificationRow } from '../db/schema';

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

/** A delivery channel. `send` may be called again for the same id after a crash: receivers dedupe by id. */
export interface NotificationChannel {
  name: string;
  send(notification: OutboundNotification): Promise<void>;
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
