import { temporal } from '@temporalio/proto';

// Workflow histories as JSON fixtures, through the proto package's own converters (bytes as
// base64, 64-bit numbers as strings), so they round-trip exactly.
const { History } = temporal.api.history.v1;

export function historyToFixture(history: temporal.api.history.v1.IHistory): string {
  const message = History.fromObject(history as Record<string, unknown>);
  return JSON.stringify(History.toObject(message, { longs: String, enums: String, bytes: String }));
}

export function historyFromFixture(text: string): temporal.api.history.v1.History {
  return History.fromObject(JSON.parse(text) as Record<string, unknown>);
}

interface HistorySource {
  workflow: {
    getHandle(
      workflowId: string,
      runId?: string,
    ): { fetchHistory(): Promise<temporal.api.history.v1.IHistory>; describe(): Promise<{ runId: string }> };
  };
}

/**
 * Every run of a workflow, oldest first: from the latest run back along each run's
 * `continuedExecutionRunId` (continue-as-new).
 */
export async function historiesOfRuns(
  client: HistorySource,
  workflowId: string,
): Promise<temporal.api.history.v1.IHistory[]> {
  const runs: temporal.api.history.v1.IHistory[] = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift(history);
    runId =
      history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs;
}
