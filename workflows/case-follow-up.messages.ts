// The contract of the case workflow: what the API may send and ask. The API imports this
// file, never the workflow implementation or the activities.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Policy } from '../config/policy';
import type { CreateCaseBody } from '../schemas/case';
import type { Phase, Tier } from '../schemas/common';

export const CASE_WORKFLOW_TYPE = 'caseFollowUp';

/** Every case runs as workflow id `case-<case id>` (api.md). */
export const caseWorkflowId = (caseId: string): string => `case-${caseId}`;

export interface CaseInput {
  caseId: string;
  opening: CreateCaseBody;
  openedBy: string;
  /** ISO timestamp set by the API, so the record is the same however often it is retried. */
  openedAt: string;
  /** The policy in force when the case opened; the case keeps it for life. */
  policy: Policy;
}

export interface CaseStatus {
  caseId: string;
  phase: Phase;
  tier: Tier;
  recorded: boolean;
  policyVersion: string;
}

export type CaseOutcome = { outcome: 'closed' } | { outcome: 'rejected_duplicate'; existingCaseId: string };

/** Failure type of `openCase` when the person already has an open case; details: [existing case id]. */
export const DUPLICATE_OPEN_CASE = 'DuplicateOpenCase';

/** Sent with the start: completes once the case is in the read model, so a GET right after finds it. */
export const openCaseUpdate = defineUpdate<CaseStatus>('openCase');

export const caseStatusQuery = defineQuery<CaseStatus>('status');
