import type { NotificationChannel, OutboundNotification } from '../../activities/notifier';

/** Stands in for the outside recipients (SMS gateway, police systems): keeps what it was sent. */
export function recordingChannel(): NotificationChannel & { sent: OutboundNotification[] } {
  const sent: OutboundNotification[] = [];
  return {
    name: 'recording',
    sent,
    async send(notification) {
      sent.push(notification);
    },
  };
}
