// Every patch id the workflows use, with the day it was added and the rule it changed
// (workflows/README.md, "Changing the workflow safely"). Each id is written into the histories of
// the cases that took its new branch: never change one. Once no running case predates a patch,
// replace its patched() with deprecatePatch(), and remove it after that.

export const COMMANDS_WAIT_FOR_THE_RECORD = 'commands-wait-for-the-record';
export const END_OF_CONTROL_AWAITS_APPROVAL = 'end-of-control-awaits-approval';
export const FAILED_SYNC_DOES_NOT_BLOCK = 'failed-sync-does-not-block';
export const SYNC_IN_WORKFLOW_TASK = 'sync-in-workflow-task';
export const SHORT_ABSENCE_NEEDS_NO_NOTICE = 'short-absence-needs-no-notice';
export const REPEATED_COMMAND_ANSWERED = 'repeated-command-answered';
export const EXTENSION_RESTARTS_LADDER = 'extension-restarts-ladder';
export const FACTS_COUNTED_ONCE = 'facts-counted-once';
export const EXTENSION_BOUNDED = 'extension-bounded';
export const OLD_DECISION_COUNTS_FROM_OPENING = 'old-decision-counts-from-opening';
export const DELEGATION_ENDS_WITH_CASE = 'delegation-ends-with-case';
export const EXTENDED_CONTACT_REGAINED = 'extended-contact-regained';

export interface Patch {
  id: string;
  /** The day the patch entered the code (`git log -S'<id>'`). */
  added: string;
  /** The rule of docs/domain.md it changed, or the document; `engine` for the engine's own way of running. */
  rule: string;
  /** What takes the new branch. */
  change: string;
}

/** Every patch, oldest first. */
export const PATCHES: readonly Patch[] = [
  {
    id: COMMANDS_WAIT_FOR_THE_RECORD,
    added: '2026-11-24',
    rule: 'engine',
    change: 'a command that arrives before the case is recorded waits for the record, then is checked again',
  },
  {
    id: END_OF_CONTROL_AWAITS_APPROVAL,
    added: '2026-12-01',
    rule: 'R19',
    change: 'a case closed before the end-of-control proposal fell due stays open to its approval',
  },
  {
    id: FAILED_SYNC_DOES_NOT_BLOCK,
    added: '2026-12-01',
    rule: 'engine',
    change: 'a batch the read model can never take fails its own command only, not every later one',
  },
  {
    id: SYNC_IN_WORKFLOW_TASK,
    added: '2026-12-02',
    rule: 'engine',
    change:
      'the record and each batch are written by local activities in the task that made them, search ' +
      'attributes upserted only when they change, continue-as-new on the engine’s cadence with a typed snapshot',
  },
  {
    id: SHORT_ABSENCE_NEEDS_NO_NOTICE,
    added: '2026-12-02',
    rule: 'R14',
    change: 'an absence that ended sooner than the policy’s notice threshold is not counted',
  },
  {
    id: REPEATED_COMMAND_ANSWERED,
    added: '2026-12-07',
    rule: 'engine',
    change: 'a command whose update id an earlier run applied gets the first answer again',
  },
  {
    id: EXTENSION_RESTARTS_LADDER,
    added: '2026-12-07',
    rule: 'R11',
    change: 'an extended task climbs its escalation ladder again from the first step',
  },
  {
    id: FACTS_COUNTED_ONCE,
    added: '2026-12-07',
    rule: 'R28',
    change:
      'the same absence, or a second refused or missed test on one policy day, is refused (decided at a run’s start)',
  },
  {
    id: EXTENSION_BOUNDED,
    added: '2026-12-07',
    rule: 'api.md v1.2',
    change:
      'an extension goes no further than deadlines.maxExtension, nor past the term’s end (decided at a run’s start)',
  },
  {
    id: OLD_DECISION_COUNTS_FROM_OPENING,
    added: '2026-12-07',
    rule: 'R22',
    change: 'a police decision older than deadlines.maxCaseAge runs its clocks from the opening, flagged',
  },
  {
    id: DELEGATION_ENDS_WITH_CASE,
    added: '2026-12-07',
    rule: 'R23',
    change: 'a delegation ends by itself when the case closes or arrives at another street',
  },
  {
    id: EXTENDED_CONTACT_REGAINED,
    added: '2026-12-07',
    rule: 'R11',
    change: 'contact made after the overdue contact task was given more time still regains contact',
  },
];
