import { defineSignal } from '@temporalio/workflow';

/** The policy's part the rounds need (policy `dayLength` and `reminders`), in milliseconds. */
export interface RoundsSettings {
  dayLength: number;
  leadTime: number;
  summaryAt: number;
  timeZone: string;
}

export interface DailyRoundsInput {
  settings: RoundsSettings;
  /** Where the last summary's span ended: the next one reports from there (none yet: a day back). */
  since?: number;
}

export interface RoundResult {
  /** Where this round's summaries stopped counting what went overdue and was escalated. */
  reportedUntil: number;
  /** Messages waiting for delivery (this round's and any a failed delivery left). */
  messageIds: string[];
  /** When the next day's round is due. */
  nextRoundAt: number;
}

/** A worker started with a new policy sends it; the next round uses it. */
export const settingsSignal = defineSignal<[RoundsSettings]>('settings');

/** One rounds workflow per task queue: the worker starts it with this fixed id. */
export const dailyRoundsWorkflowId = (taskQueue: string) => `daily-rounds-${taskQueue}`;
