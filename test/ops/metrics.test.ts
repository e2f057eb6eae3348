import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { insertImportJob } from '../../db/imports';
import { importJobs } from '../../db/schema';
import { handover } from '../helpers/fixtures';
import { startTestSystem, type TestSystem } from '../helpers/system';

// What an operator's Prometheus sees (issue 17, api.md "GET /metrics"), and the alert rules
// built on it (docs/alerts.rules.yml), checked by promtool as Prometheus itself would load them.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PROMTOOL } = require('../../scripts/ensure.js') as { PROMTOOL: string };

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(async () => {
  await system?.close();
});

const scrape = async () => {
  const reply = await system.app.inject({ method: 'GET', url: '/metrics' });
  expect(reply.statusCode).toBe(200);
  expect(reply.headers['content-type']).toContain('text/plain');
  return reply.body;
};
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('GET /metrics', () => {
  it('counts requests by route pattern and status, never by URL, and open cases by phase (R21)', async () => {
    const body = handover();
    const created = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: body });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: string }).id;
    expect((await system.as('liaison', { method: 'GET', url: `/v1/cases/${id}` })).statusCode).toBe(200);
    const q = encodeURIComponent(body.person.name);
    expect((await system.as('liaison', { method: 'GET', url: `/v1/cases?q=${q}` })).statusCode).toBe(200);
    expect((await system.as('worker.changqiao', { method: 'GET', url: `/v1/cases/${id}` })).statusCode).toBe(
      404,
    );

    const text = await scrape();
    expect(
      value(text, 'http_request_duration_seconds_count{method="POST",route="/v1/cases",status="201"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(text, 'http_request_duration_seconds_count{method="GET",route="/v1/cases/:id",status="404"}'),
    ).toBe(1);
    // No case id, name or ID number in any label: the route pattern only.
    expect(text).not.toContain(id);
    expect(text).not.toContain(body.person.name);
    expect(text).not.toContain(q);
    expect(text).not.toContain(body.person.idNumber);
    expect(value(text, 'rehab_cases_open{phase="pre_release"}')).toBe(1);
  });

  it('shows open and overdue tasks and notifications by status as the read model holds them', async () => {
    // A delivery that has waited an hour, as an operator would see it when the gateway is down.
    await system.db.database.db.execute(
      sql`insert into notifications (id, case_id, recipient, reason, rule, created_at, status)
          select 'metrics-test-1', id, 'supervisor:suzhou.gusu', 'test', 'R2', now() - interval '1 hour', 'pending'
          from cases limit 1`,
    );
    const text = await scrape();
    expect(value(text, 'rehab_tasks_open{state="open"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'rehab_tasks_open{state="overdue"}')).toBe(0);
    expect(value(text, 'rehab_notifications{status="pending"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'rehab_notifications_oldest_pending_seconds')).toBeGreaterThanOrEqual(3_600);
  });
});

describe('GET /metrics during an import (R25)', () => {
  it('shows the rows of an import still running by state, and none once it is done', async () => {
    const db = system.db.database.db;
    const id = randomUUID();
    const now = new Date();
    await insertImportJob(
      db,
      {
        id,
        status: 'running',
        contentHash: 'metrics-test',
        createdById: 'metrics-test',
        createdBy: 'supervisor.gusu',
        createdByRole: 'supervisor',
        scope: ['suzhou.gusu'],
        total: 3,
        createdAt: now,
        updatedAt: now,
      },
      [
        { importId: id, row: 2, status: 'created' },
        { importId: id, row: 3, status: 'pending' },
        { importId: id, row: 4, status: 'pending' },
      ],
    );
    const running = await scrape();
    expect(value(running, 'rehab_import_rows{status="pending"}')).toBe(2);
    expect(value(running, 'rehab_import_rows{status="created"}')).toBe(1);

    await db.update(importJobs).set({ status: 'done', finishedAt: new Date() }).where(eq(importJobs.id, id));
    const done = await scrape();
    expect(value(done, 'rehab_import_rows{status="pending"}')).toBe(0);
  });
});

describe('alert rules', () => {
  it('load in Prometheus (promtool check rules) and fire as docs/operations.md says (promtool test rules)', () => {
    const docs = join(__dirname, '..', '..', 'docs');
    const check = execFileSync(PROMTOOL, ['check', 'rules', join(docs, 'alerts.rules.yml')], {
      encoding: 'utf8',
    });
    expect(check).toContain('SUCCESS: 9 rules found');
    const tested = execFileSync(PROMTOOL, ['test', 'rules', 'alerts.test.yml'], {
      cwd: docs,
      encoding: 'utf8',
    });
    expect(tested).toContain('SUCCESS');
  });

  it('watch the metrics the API actually exports (the SDK ones: test/system/start.test.ts)', async () => {
    const rules = readFileSync(join(__dirname, '..', '..', 'docs', 'alerts.rules.yml'), 'utf8');
    const api = await scrape();
    for (const name of [
      'rehab_tasks_open',
      'rehab_notifications_oldest_pending_seconds',
      'http_request_duration_seconds_count',
    ]) {
      expect(rules).toContain(name);
      expect(api).toContain(name);
    }
  });
});
