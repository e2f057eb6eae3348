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
