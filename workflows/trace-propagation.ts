import { AsyncLocalStorage, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { Payload } from '@temporalio/common';

// Carries the caller's trace (the header the API's OpenTelemetry client interceptor sets on an
// update) to the activities the update leads to, so the API request, its SQL and the worker's
// activity and SQL form one trace. Headers only, added synchronously: the commands and their order
// stay exactly as before, so stored histories replay. (Temporal's own OpenTelemetry workflow
// interceptors yield where the code did not and fail the replay gate, so they are not used.)

const TRACE_HEADER = '_tracer-data';
const caller = new AsyncLocalStorage<Payload>();

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      handleUpdate(input, next) {
        const header = input.headers[TRACE_HEADER];
        return header ? caller.run(header, () => next(input)) : next(input);
      },
    },
  ],
  outbound: [
    {
      scheduleActivity(input, next) {
        const header = caller.getStore();
        return next(header ? { ...input, headers: { ...input.headers, [TRACE_HEADER]: header } } : input);
      },
    },
  ],
});
