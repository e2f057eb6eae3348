import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { encryptedDataConverter } from '../../codec/data-converter';
import { historyFromFixture } from '../helpers/histories';
import { TEST_PAYLOAD_CODEC } from '../helpers/system';

// Issue 16, item 8: a notification delivery that fails for good (its notification is not in the
// outbox) must not stall the case. Its promise used to float: the rejection was unhandled, which
// fails the workflow task on every retry, so the case never moved again. Cases running since
// before the patches keep that path, so the proof is their own recorded history with the first
// delivery failed instead of completed, replayed up to the workflow task that learns of it.

const { EventType, RetryState } = temporal.api.enums.v1;

function withFirstDeliveryFailedForGood(file: string): temporal.api.history.v1.History {
  const history = historyFromFixture(
    readFileSync(join(__dirname, '..', 'fixtures', 'histories', file), 'utf8'),
  );
  const events = history.events;
  const scheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deliverNotification',
  )!;
  const at = events.findIndex(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED &&
      String(e.activityTaskCompletedEventAttributes!.scheduledEventId) === String(scheduled.eventId),
  );
  const completed = events[at]!.activityTaskCompletedEventAttributes!;
  events[at] = temporal.api.history.v1.HistoryEvent.create({
    eventId: events[at]!.eventId,
    eventTime: events[at]!.eventTime,
    eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
    activityTaskFailedEventAttributes: {
      scheduledEventId: completed.scheduledEventId,
      startedEventId: completed.startedEventId,
      retryState: RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE,
      failure: {
        message: 'the notification is not in the outbox',
        applicationFailureInfo: { type: 'NotificationMissing', nonRetryable: true },
      },
    },
  });
  // Up to the workflow task that is told of the failure.
  const next = events.findIndex(
    (e, i) => i > at && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  );
  return temporal.api.history.v1.History.create({ events: events.slice(0, next + 1) });
}

it('a case running since before the patches goes on when a notification delivery fails for good (issue 16)', async () => {
  const history = withFirstDeliveryFailedForGood('whole-three-year-case.json');
  await expect(
    Worker.runReplayHistory(
      {
        workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
        dataConverter: encryptedDataConverter(TEST_PAYLOAD_CODEC),
      },
      history,
      'delivery-failed-for-good',
    ),
  ).resolves.toBeUndefined();
}, 300_000);
