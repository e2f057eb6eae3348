import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { CaseActivities } from '../activities';
import { settingsSignal, type DailyRoundsInput } from './daily-rounds.messages';

const { runDailyRound } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// A gateway that is down must not hold up the next round: a delivery left pending is offered
// again at every later round.
const { deliverCaseworkerMessage } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
});

/** Bounds the history: a fresh run after this many rounds. */
const ROUNDS_PER_RUN = 200;

/**
 * The caseworkers' day (issue 18): once a policy day, reminders for what falls due within the
 * lead time and each caseworker's summary of the day, written idempotently and then delivered.
 * Each summary reports from where the last one stopped, so a late round leaves no gap.
 */
export async function dailyRounds(input: DailyRoundsInput): Promise<void> {
  let settings = input.settings;
  let since = input.since;
  setHandler(settingsSignal, (next) => {
    settings = next;
  });
  for (let round = 0; round < ROUNDS_PER_RUN && !workflowInfo().continueAsNewSuggested; round++) {
    const { messageIds, nextRoundAt, reportedUntil } = await runDailyRound({
      settings,
      at: Date.now(),
      since,
    });
    since = reportedUntil;
    await Promise.all(messageIds.map((id) => deliverCaseworkerMessage(id).catch(() => undefined)));
    await sleep(Math.max(nextRoundAt - Date.now(), 1));
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof dailyRounds>({ settings, since });
}
