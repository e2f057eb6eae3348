import type { CaseSync } from './messages';
import type { CaseCore } from './core';
import { projection } from './outbox';

/**
 * The case's read model as of now, whole (readModelQuery, `npm run resync`): the projection and
 * every task at the current revision, as syncCase writes them. Timeline entries and
 * notifications are written once, when they happen, and are not held by the workflow.
 */
export function readModel(state: CaseCore, caseId: string, now: number): CaseSync {
  return {
    caseId,
    revision: state.d.revision,
    at: now,
    projection: projection(state),
    tasks: state.d.tasks.map((task) => ({
      ...task,
      assignee: task.role === 'caseworker' ? state.d.assignee : null,
    })),
    timeline: [],
    notifications: [],
  };
}
