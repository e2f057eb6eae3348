import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { detectResourcesSync, envDetectorSync, Resource } from '@opentelemetry/resources';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BatchSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { WorkflowSpan } from '../workflows/trace-propagation';

export interface Tracing {
  enabled: boolean;
  /** The worker's sink for the spans the workflow makes (workflows/trace-propagation.ts). */
  exportWorkflowSpan(span: WorkflowSpan): void;
}

const hrTime = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];

/**
 * Traces are off unless `OTEL_TRACES_EXPORTER=otlp` (and not `OTEL_SDK_DISABLED=true`); then spans
 * go to the OTLP/HTTP endpoint of the standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, …),
 * batched as `OTEL_BSP_*` say, named by `OTEL_SERVICE_NAME` or `serviceName`. PostgreSQL queries
 * are traced by their statement text only: parameters, which hold personal data, never (R21).
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': serviceName }))
    .merge(detectResourcesSync({ detectors: [envDetectorSync] }));
  const enabled =
    env.OTEL_SDK_DISABLED !== 'true' && (env.OTEL_TRACES_EXPORTER ?? '').split(',').includes('otlp');
  if (!enabled) return { enabled, exportWorkflowSpan() {} };

  const processor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new PgInstrumentation({ enhancedDatabaseReporting: false })],
  });
  const flush = () => void provider.shutdown().catch(() => undefined);
  process.once('beforeExit', flush);
  return {
    enabled,
    // The workflow's span, finished inside the workflow, handed to the same processor as the
    // process's own: names, ids and times only, so nothing personal can reach an attribute.
    exportWorkflowSpan(span) {
      const context = { traceId: span.traceId, spanId: span.spanId, traceFlags: span.traceFlags };
      const readable: ReadableSpan = {
        name: span.name,
        kind: SpanKind.INTERNAL,
        spanContext: () => context,
        parentSpanId: span.parentSpanId,
        startTime: hrTime(span.startMs),
        endTime: hrTime(span.endMs),
        duration: hrTime(Math.max(0, span.endMs - span.startMs)),
        status: { code: span.ok ? SpanStatusCode.OK : SpanStatusCode.ERROR },
        attributes: {},
        links: [],
        events: [],
        ended: true,
        resource,
        instrumentationLibrary: { name: 'rehab-workflow' },
        droppedAttributesCount: 0,
        droppedEventsCount: 0,
        droppedLinksCount: 0,
      };
      processor.onEnd(readable);
    },
  };
}
