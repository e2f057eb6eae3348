import { sql, type SQL } from 'drizzle-orm';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RouteDeps } from '../deps';

/**
 * `GET /metrics` (Prometheus text format): HTTP requests by route pattern (never the URL, which
 * may carry a name in `q`) and status, and the state of the read model — open cases by phase,
 * open and overdue tasks, notifications by status and the age of the oldest undelivered one, the
 * caseworkers' reminders and summaries by kind and status, and the progress of any import still
 * running.
 * Counts only, never personal data. The read-model figures are the same from every API process.
 */
export default fp<RouteDeps>(async (app, { db, clock }) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    requests.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  const rows = async <T>(query: SQL): Promise<T[]> =>
    ((await db.db.execute(query)) as unknown as { rows: T[] }).rows;

  new Gauge({
    name: 'rehab_cases_open',
    help: 'Open cases by phase',
    labelNames: ['phase'],
    registers: [registry],
    async collect() {
      const found = await rows<{ phase: string; n: number }>(
        sql`select phase, count(*)::int as n from cases where status = 'open' group by phase`,
      );
      this.reset();
      for (const { phase, n } of found) this.set({ phase }, n);
    },
  });
  new Gauge({
    name: 'rehab_tasks_open',
    help: 'Open tasks, and those of them past their due time (state="overdue")',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const now = new Date(await clock());
      const [row] = await rows<{ open: number; overdue: number }>(
        sql`select count(*)::int as open, (count(*) filter (where due_at < ${now}))::int as overdue
            from tasks where status in ('open', 'overdue')`,
      );
      this.set({ state: 'open' }, row?.open ?? 0);
      this.set({ state: 'overdue' }, row?.overdue ?? 0);
    },
  });
  new Gauge({
    name: 'rehab_notifications',
    help: 'Notifications by delivery status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const found = await rows<{ status: string; n: number }>(
        sql`select status, count(*)::int as n from notifications group by status`,
      );
      this.reset();
      for (const status of ['pending', 'delivered']) this.set({ status }, 0);
      for (const { status, n } of found) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'rehab_notifications_oldest_pending_seconds',
    help: 'Age of the oldest notification not yet delivered (0 when none)',
    registers: [registry],
    async collect() {
      const now = await clock();
      const [row] = await rows<{ oldest: Date | string | null }>(
        sql`select min(created_at) as oldest from notifications where status = 'pending'`,
      );
      this.set(row?.oldest ? Math.max(0, (now - new Date(row.oldest).getTime()) / 1000) : 0);
    },
  });

  new Gauge({
    name: 'rehab_caseworker_messages',
    help: 'Reminders and daily summaries to caseworkers (issue 18), by kind and delivery status',
    labelNames: ['kind', 'status'],
    registers: [registry],
    async collect() {
      const found = await rows<{ kind: string; status: string; n: number }>(
        sql`select kind, status, count(*)::int as n from caseworker_messages group by kind, status`,
      );
      this.reset();
      for (const kind of ['due_reminder', 'daily_summary'])
        for (const status of ['pending', 'delivered']) this.set({ kind, status }, 0);
      for (const { kind, status, n } of found) this.set({ kind, status }, n);
    },
  });

  new Gauge({
    name: 'rehab_import_rows',
    help: 'Rows of the imports still running (R25), by state: pending, created, skipped, invalid',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const found = await rows<{ status: string; n: number }>(
        sql`select r.status, count(*)::int as n from import_rows r
            join import_jobs j on j.id = r.import_id where j.status = 'running' group by r.status`,
      );
      this.reset();
      for (const status of ['pending', 'created', 'skipped', 'invalid']) this.set({ status }, 0);
      for (const { status, n } of found) this.set({ status }, n);
    },
  });

  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
});
