import type { NotificationChannel, OutboundMessage } from '../../activities/notifier';

/** Stands in for the outside recipients (SMS gateway, police systems): keeps what it was sent. */
export function recordingChannel(): NotificationChannel & { sent: OutboundMessage[] } {
  const sent: OutboundMessage[] = [];
  return {
    name: 'recording',
    sent,
    async send(notification) {
      sent.push(notification);
    },
  };
}
