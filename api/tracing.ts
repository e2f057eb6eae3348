// The first import of api/main.ts: the PostgreSQL instrumentation must hook `pg` before any
// module loads it.
import { startTracing } from '../telemetry/tracing';

export const tracing = startTracing('rehab-api');
