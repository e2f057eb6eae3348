import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { asc, eq } from 'drizzle-orm';
import { appendAudit } from '../db/audit/chain';
import { applyCaseSync } from '../db/case-sync';
import type { Db } from '../db/client';
import { cases } from '../db/schema';
import { caseWorkflowId, readModelQuery } from '../workflows/case/messages';

// `npm run resync`: rebuilds cases' read model from their workflows, for recovery (a restored
// database behind the engine, rows damaged or lost) and after a bug fix in what the read model
// is computed from. The workflow is the source of truth: its whole read model (readModelQuery)
// goes through syncCase's own idempotent write, in rebuild mode. Each case resynced is audited.

export interface ResyncDeps {
  db: Db;
  temporal: Client;
  auditKey: string;
  /** Who runs it, for the audit trail (the operator's login). */
  operator: string;
  reason: string;
}

export type ResyncResult = 'resynced' | 'no_workflow';

/** Rebuilds one case's row and tasks from its workflow; audited as `case.resync`. */
export async function resyncCase(deps: ResyncDeps, caseId: string): Promise<ResyncResult> {
  let model;
  try {
    model = await deps.temporal.workflow.getHandle(caseWorkflowId(caseId)).query(readModelQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'no_workflow';
    throw error;
  }
  await applyCaseSync(deps.db, model, { rebuild: true });
  const [row] = await deps.db
    .select({ jurisdiction: cases.jurisdiction })
    .from(cases)
    .where(eq(cases.id, caseId));
  await appendAudit(deps.db, deps.auditKey, {
    at: new Date(),
    actorId: `operator:${deps.operator}`,
    actorUsername: deps.operator,
    actorRole: 'operator',
    action: 'case.resync',
    cases: [{ id: caseId, jurisdiction: row?.jurisdiction ?? model.projection.jurisdiction }],
    scope: [],
    route: 'npm run resync',
    reason: deps.reason,
    requestId: randomUUID(),
  });
  return 'resynced';
}

/** Every case in the read model, oldest first, with progress after each. */
export async function resyncAll(
  deps: ResyncDeps,
  progress: (done: number, total: number, caseId: string, result: ResyncResult) => void,
): Promise<Record<ResyncResult, number>> {
  const ids = (
    await deps.db.select({ id: cases.id }).from(cases).orderBy(asc(cases.createdAt), asc(cases.id))
  ).map((row) => row.id);
  const counts: Record<ResyncResult, number> = { resynced: 0, no_workflow: 0 };
  for (const [i, id] of ids.entries()) {
    const result = await resyncCase(deps, id);
    counts[result] += 1;
    progress(i + 1, ids.length, id, result);
  }
  return counts;
}
