import { readFileSync, writeFileSync } from 'node:fs';
import { defaultPayloadConverter, type PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker, type InjectedSinks } from '@temporalio/worker';
import { encryptedDataConverter } from '../../codec/data-converter';
import { bundleWorkflows } from '../../worker/worker';
import { historyToFixture } from './histories';
import type { ActivityInputSinks, ScheduledActivity } from './replay/record-inputs.workflow';
import { TEST_PAYLOAD_CODEC } from './system';

// The replay gate that sees inputs (workflows/README.md). Temporal's replay compares the commands'
// types and activity ids only, so a change that writes a different timeline row, task or
// notification replays cleanly. Beside each stored history `<name>.json` lies `<name>.inputs.json`:
// every activity and local activity input the recorded run scheduled, in order, decoded. The gate
// replays the history with an interceptor that reports what the current code would schedule and
// compares the two.

export type { ScheduledActivity };

export const RECORD_INPUTS_MODULE = require.resolve('./replay/record-inputs.workflow');
export const ALTER_TIMELINE_MODULE = require.resolve('./replay/alter-timeline.workflow');

/** As JSON carries it: the payload converter's view, so recorded and replayed inputs compare alike. */
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function inputsPath(historyPath: string): string {
  return historyPath.replace(/\.json$/, '.inputs.json');
}

/** The inputs of the activities a history scheduled (ActivityTaskScheduled), decoded with `codec`. */
export async function inputsFromHistory(
  history: temporal.api.history.v1.IHistory,
  codec: PayloadCodec = TEST_PAYLOAD_CODEC,
): Promise<ScheduledActivity[]> {
  const out: ScheduledActivity[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (!scheduled) continue;
    const payloads = await codec.decode(scheduled.input?.payloads ?? []);
    out.push({
      type: scheduled.activityType?.name ?? '',
      local: false,
      args: asJson(payloads.map((p) => defaultPayloadConverter.fromPayload(p))),
    });
  }
  return out;
}

/** A workflow bundle of the current code with the input recorder (and `extra` interceptors before it). */
export function replayBundle(extra: string[] = []): Promise<string> {
  return bundleWorkflows([...extra, RECORD_INPUTS_MODULE]);
}

/** Replays `history` with `bundleCode` and returns the activity inputs the code scheduled. */
export async function inputsByReplay(
  history: temporal.api.history.v1.IHistory,
  bundleCode: string,
): Promise<ScheduledActivity[]> {
  const seen: ScheduledActivity[] = [];
  const sinks: InjectedSinks<ActivityInputSinks> = {
    activityInputs: {
      scheduled: { fn: (_info, activity) => void seen.push(asJson(activity)), callDuringReplay: true },
    },
  };
  await Worker.runReplayHistory(
    {
      workflowBundle: { code: bundleCode },
      dataConverter: encryptedDataConverter(TEST_PAYLOAD_CODEC),
      sinks,
    },
    history,
  );
  return seen;
}

/**
 * Each activity whose input a replay would change, in words (its first differing field), then a
 * difference in their number; empty when the replay writes exactly what was recorded.
 */
export function differences(recorded: ScheduledActivity[], replayed: ScheduledActivity[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.min(recorded.length, replayed.length); i += 1) {
    const where = differenceAt(recorded[i], replayed[i], '');
    if (where !== null) out.push(`activity #${i + 1} (${recorded[i]!.type}): ${where}`);
  }
  if (recorded.length !== replayed.length)
    out.push(`${recorded.length} activities recorded, the replay schedules ${replayed.length}`);
  return out;
}

/**
 * A field the recorded run did not write at all is a field added since (delegatedTo, the KPI
 * dates): the old code never wrote that column, so the new value changes nothing it wrote. Any
 * other difference (a value changed, a field dropped, a row more or less) is a change of what is
 * written.
 */
function differenceAt(a: unknown, b: unknown, path: string): string | null {
  if (a === b || a === undefined) return null;
  if (
    typeof a !== 'object' ||
    typeof b !== 'object' ||
    a === null ||
    b === null ||
    Array.isArray(a) !== Array.isArray(b)
  )
    return `${path || 'input'} was ${JSON.stringify(a)}, the replay writes ${JSON.stringify(b)}`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const found = differenceAt(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      Array.isArray(a) ? `${path}[${key}]` : path ? `${path}.${key}` : key,
    );
    if (found !== null) return found;
  }
  return null;
}

/**
 * Saves a history as a replay fixture with its activity inputs (RECORD_HISTORIES=1 in the tests
 * that record). The inputs come from replaying it with the recorder, so local activities, whose
 * inputs the history does not hold, are recorded too.
 */
export async function saveFixture(path: string, history: temporal.api.history.v1.IHistory): Promise<void> {
  writeFileSync(path, historyToFixture(history));
  await saveInputs(path, history);
}

/** Writes `<name>.inputs.json` beside a stored history: what its replay schedules, input by input. */
export async function saveInputs(path: string, history: temporal.api.history.v1.IHistory): Promise<number> {
  const inputs = await inputsByReplay(history, await replayBundle());
  writeFileSync(inputsPath(path), JSON.stringify(inputs, null, 1) + '\n');
  return inputs.length;
}

export function readInputs(historyPath: string): ScheduledActivity[] {
  return JSON.parse(readFileSync(inputsPath(historyPath), 'utf8')) as ScheduledActivity[];
}
