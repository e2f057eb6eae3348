import {
  allHandlersFinished,
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';

// The raw baselines of `npm run bench`: workflows that do nothing but what Temporal itself must.

export const readyUpdate = defineUpdate<boolean>('ready');
/** Like `ready`, after one activity that does nothing (as a command waits for its read-model sync). */
export const readyAfterActivityUpdate = defineUpdate<boolean>('readyAfterActivity');
/** Answered after two activities that do nothing, as opening a case waits for its record and first sync. */
export const recordedUpdate = defineUpdate<boolean>('recorded');
/** Like `readyAfterActivity`, the activity run as a local activity inside the same workflow task. */
export const readyAfterLocalActivityUpdate = defineUpdate<boolean>('readyAfterLocalActivity');
export const stopSignal = defineSignal('stop');

const { nothing } = proxyActivities<{ nothing(): Promise<void> }>({ startToCloseTimeout: '30 seconds' });
const local = proxyLocalActivities<{ nothing(): Promise<void> }>({ startToCloseTimeout: '3 seconds' });

/** Started plainly it completes in its first task; started with an update, it answers it first. */
export async function trivial(): Promise<void> {
  setHandler(readyUpdate, () => true);
  setHandler(recordedUpdate, async () => {
    await nothing();
    await nothing();
    return true;
  });
  await condition(allHandlersFinished);
}

/** Stays open, answering updates, until signalled to stop. */
export async function waiting(): Promise<void> {
  let stopped = false;
  setHandler(readyUpdate, () => true);
  setHandler(readyAfterActivityUpdate, async () => {
    await nothing();
    return true;
  });
  setHandler(readyAfterLocalActivityUpdate, async () => {
    await local.nothing();
    return true;
  });
  setHandler(stopSignal, () => void (stopped = true));
  await condition(() => stopped && allHandlersFinished());
}
