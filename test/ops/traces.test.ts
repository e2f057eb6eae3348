import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { formatPayloadKey } from '../../codec/encryption-codec';
import { seedDemoData } from '../../scripts/demo-data';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { handover } from '../helpers/fixtures';
import { freePort } from '../helpers/net';
import { POLICIES, TEST_AUDIT_KEY, TEST_PAYLOAD_KEY } from '../helpers/system';
import { eventually, kill9, spawnTsx, type Proc } from '../faults/harness';

// Traces as an operator's collector receives them: the production API and worker processes
// (api/main.ts, worker/main.ts) with tracing switched on by the standard OTEL_* variables, sending
// OTLP/HTTP to a collector kept in memory by this test. (In-process exporters cannot see SQL here:
// Jest's module loader bypasses the require hook the pg instrumentation relies on.)

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
  service: string;
}

class Collector {
  readonly spans: OtlpSpan[] = [];
  readonly raw: string[] = [];
  private server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      this.raw.push(body);
      const message = JSON.parse(body) as {
        resourceSpans: {
          resource: { attributes: OtlpSpan['attributes'] };
          scopeSpans: { spans: Omit<OtlpSpan, 'service'>[] }[];
        }[];
      };
      for (const resourceSpans of message.resourceSpans) {
        const service = String(
          resourceSpans.resource.attributes?.find((a) => a.key === 'service.name')?.value.stringValue,
        );
        for (const scope of resourceSpans.scopeSpans)
          for (const span of scope.spans) this.spans.push({ ...span, service });
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  url = '';

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const collector = new Collector();
let db: TestDatabase;
const processes: Proc[] = [];
let base = '';

beforeAll(async () => {
  await collector.listen();
  db = await createTestDatabase();
  await seedDemoData(db.database.db);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: `traces-${randomUUID()}`,
    TEMPORAL_METRICS_ADDRESS: 'off',
    POLICY: POLICIES.standard,
    TOKEN_SECRET: randomUUID() + randomUUID(),
    AUDIT_KEY: TEST_AUDIT_KEY,
    PAYLOAD_KEYS: formatPayloadKey(TEST_PAYLOAD_KEY),
    PORT: String(port),
    LOG_LEVEL: 'info',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  processes.push(await spawnTsx('worker/main.ts', env, 'worker: running'));
  processes.push(await spawnTsx('api/main.ts', env, 'Server listening'));
}, 180_000);

afterAll(async () => {
  for (const proc of processes) await kill9(proc);
  await collector.close();
  await db?.drop();
});

describe('traces (OpenTelemetry)', () => {
  it('R21: follow one event from the API through the update and the workflow to its activity and SQL, with no personal data', async () => {
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'liaison', password: 'demo-password' }),
    });
    const { token } = (await login.json()) as { token: string };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const person = handover();
    const created = await fetch(`${base}/v1/cases`, {
      method: 'POST',
      headers,
      body: JSON.stringify(person),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const event = await fetch(`${base}/v1/cases/${id}/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'intervention', kind: 'intake', note: '入所访谈' }),
    });
    expect(event.status).toBe(201);

    const spanNames = (traceId: string) =>
      collector.spans.filter((s) => s.traceId === traceId).map((s) => `${s.service} ${s.name}`);
    const root = await eventually(
      'the event request span',
      async () => {
        const span = collector.spans.find((s) => s.name === 'POST /v1/cases/:id/events');
        if (!span) throw new Error('not yet');
        const names = spanNames(span.traceId);
        for (const wanted of [
          /^rehab-worker HandleUpdate:recordEvent$/,
          /^rehab-worker RunActivity:/,
          /^rehab-worker pg\.query/,
        ]) {
          if (!names.some((name) => wanted.test(name)))
            throw new Error(`no ${String(wanted)} in ${names.join(', ')}`);
        }
        return span;
      },
      30_000,
    );
    expect(root.parentSpanId ?? '').toBe('');
    const names = spanNames(root.traceId);
    expect(names).toEqual(
      expect.arrayContaining([
        'rehab-api POST /v1/cases/:id/events',
        expect.stringMatching(/^rehab-api StartWorkflowUpdate:/),
        'rehab-worker HandleUpdate:recordEvent',
        expect.stringMatching(/^rehab-worker RunActivity:/),
        expect.stringMatching(/^rehab-api pg\.query/),
        expect.stringMatching(/^rehab-worker pg\.query/),
      ]),
    );
    // The update carried the trace into the workflow, whose handling of it is a span of its own
    // (workflows/trace-propagation.ts), on to the activity it scheduled; the activity's SQL hangs
    // under the activity.
    const inTrace = collector.spans.filter((s) => s.traceId === root.traceId);
    const byId = new Map(inTrace.map((s) => [s.spanId, s]));
    const update = inTrace.find((s) => s.name.startsWith('StartWorkflowUpdate:'));
    expect(byId.get(update?.parentSpanId ?? '')?.name).toBe('POST /v1/cases/:id/events');
    const handling = inTrace.find((s) => s.name === 'HandleUpdate:recordEvent');
    expect(handling?.parentSpanId).toBe(update?.spanId);
    const activity = inTrace.find((s) => s.name.startsWith('RunActivity:'));
    expect(activity?.parentSpanId).toBe(handling?.spanId);
    const activitySql = inTrace.find(
      (s) => s.service === 'rehab-worker' && s.name.startsWith('pg.query') && s.parentSpanId,
    );
    let ancestor = activitySql && byId.get(activitySql.parentSpanId ?? '');
    while (ancestor && !ancestor.name.startsWith('RunActivity:'))
      ancestor = byId.get(ancestor.parentSpanId ?? '');
    expect(ancestor?.name).toMatch(/^RunActivity:/);

    // Nothing a person could be identified by, anywhere in what the collector received: no
    // statement parameters (only the SQL text with $1 placeholders), no URL, no payload.
    const everything = collector.raw.join('\n');
    for (const secret of [
      person.person.name,
      person.person.idNumber,
      person.person.residenceAddress,
      '入所访谈',
      token,
    ]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toContain('db.postgresql.values');
    expect(everything).not.toContain(`/v1/cases/${id}`);
  });
});
