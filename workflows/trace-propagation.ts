import {
  AsyncLocalStorage,
  proxySinks,
  workflowInfo,
  type Sinks,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';

// Carries the caller's trace (the header the API's OpenTelemetry client interceptor sets on an
// update) into the workflow and on to the activities the update leads to, so the API request,
// the update's handling in the workflow, its activities and their SQL form one trace.
//
// The workflow's span is made here, not by Temporal's own OpenTelemetry workflow interceptors:
// theirs yield where the code did not and fail the replay gate. This one adds nothing the
// history sees: headers only, set synchronously; the span's id is derived from the update's id
// (no random draw that would shift the workflow's own); the finished span leaves through a sink
// that is not called during replay. So commands and their order stay as before.

const TRACE_HEADER = '_tracer-data';
const caller = new AsyncLocalStorage<Payload>();

/** A finished span of the workflow, as plain data (ids, names and times; never personal data). */
export interface WorkflowSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceFlags: number;
  startMs: number;
  endMs: number;
  ok: boolean;
}

export interface WorkflowSpanSinks extends Sinks {
  workflowSpans: { ended(span: WorkflowSpan): void };
}

const { workflowSpans } = proxySinks<WorkflowSpanSinks>();

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function parentOf(header: Payload): { traceId: string; spanId: string; flags: string } | null {
  try {
    const carrier = defaultPayloadConverter.fromPayload<{ traceparent?: unknown }>(header);
    const match = typeof carrier?.traceparent === 'string' ? TRACEPARENT.exec(carrier.traceparent) : null;
    const [, traceId, spanId, flags] = match ?? [];
    return traceId && spanId && flags ? { traceId, spanId, flags } : null;
  } catch {
    return null;
  }
}

/** 16 hex digits from a text (two FNV-1a 32-bit hashes): the same update gets the same span id. */
function spanIdOf(text: string): string {
  const fnv = (seed: number) => {
    let h = seed >>> 0;
    for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
    return h.toString(16).padStart(8, '0');
  };
  return `${fnv(2166136261)}${fnv(0x811c9dc5 ^ 0x5bd1e995)}`;
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      handleUpdate(input, next) {
        const header = input.headers[TRACE_HEADER];
        if (!header) return next(input);
        const parent = parentOf(header);
        if (!parent) return caller.run(header, () => next(input));
        const spanId = spanIdOf(`${workflowInfo().runId}/${input.updateId}`);
        const own = defaultPayloadConverter.toPayload({
          traceparent: `00-${parent.traceId}-${spanId}-${parent.flags}`,
        });
        const startMs = Date.now();
        const handled = caller.run(own, () => next(input));
        const ended = (ok: boolean) =>
          workflowSpans.ended({
            name: `HandleUpdate:${input.name}`,
            traceId: parent.traceId,
            spanId,
            parentSpanId: parent.spanId,
            traceFlags: parseInt(parent.flags, 16),
            startMs,
            endMs: Date.now(),
            ok,
          });
        // A branch of its own that never rejects: the handler's own promise goes back untouched.
        void handled.then(
          () => ended(true),
          () => ended(false),
        );
        return handled;
      },
    },
  ],
  outbound: [
    {
      scheduleActivity(input, next) {
        const header = caller.getStore();
        return next(header ? { ...input, headers: { ...input.headers, [TRACE_HEADER]: header } } : input);
      },
      scheduleLocalActivity(input, next) {
        const header = caller.getStore();
        return next(header ? { ...input, headers: { ...input.headers, [TRACE_HEADER]: header } } : input);
      },
    },
  ],
});
