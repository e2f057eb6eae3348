// The first import of worker/main.ts: the PostgreSQL instrumentation must hook `pg` before any
// module loads it.
import { startTracing } from '../telemetry/tracing';

export const tracing = startTracing('rehab-worker');
