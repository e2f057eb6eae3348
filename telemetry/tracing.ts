import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { detectResourcesSync, envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface Tracing {
  enabled: boolean;
}

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
  if (!enabled) return { enabled };

  const processor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new PgInstrumentation({ enhancedDatabaseReporting: false })],
  });
  const flush = () => void provider.shutdown().catch(() => undefined);
  process.once('beforeExit', flush);
  return { enabled };
}
