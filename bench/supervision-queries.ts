// The supervisor's queries at city scale: 25,000 cases (Suzhou has about 24,000 registered
// persons) with their tasks and timelines, then p50/p95 of the stalled, caseloads, KPI, inbox
// and case-list endpoints, in-process. Usage: npm run bench:supervision [-- --cases 25000]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { EncryptionCodec } from '../codec/encryption-codec';
import { sql } from 'drizzle-orm';
import { buildApp } from '../api/app';
import { loadPolicy } from '../config/policy';
import { seedDemoData, DEMO_PASSWORD } from '../scripts/demo-data';
import { createTestDatabase } from '../test/helpers/database';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CASES = arg('cases', 25_000);
const RUNS = arg('runs', 40);
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main() {
  const db = await createTestDatabase();
  try {
    await seedDemoData(db.database.db);
    const started = Date.now();
    say(`generating ${CASES.toLocaleString()} cases with tasks and timelines…`);
    // Streets, phases and histories spread like a city's caseload: most cases in the community
    // with a long history of done tasks and a few open ones, some overdue, some lost contact.
    await db.database.db.execute(sql`
      insert into cases (id, person_name, id_number, residence_address, facility_name, measure,
        expected_release_at, released_at, jurisdiction, phase, tier, status, assignee, term_starts_at,
        term_ends_at, policy_version, opened_by, created_at, updated_at, revision)
      select gen_random_uuid(), '某某' || i, lpad(i::text, 18, '0'), '地址', '所', 'community_detox',
        now() - (i % 1000) * interval '1 day' + interval '30 days',
        case when i % 10 < 8 then now() - (i % 1000) * interval '1 day' end,
        (array['suzhou.gusu.canglang','suzhou.gusu.shuangta','suzhou.wuzhong.changqiao'])[1 + i % 3],
        (array['community','community','community','community','community','community','community','released_awaiting_report','pre_release','closed'])[1 + i % 10],
        (array['stable','stable','stable','key','abnormal'])[1 + i % 5],
        case when i % 10 = 9 then 'closed' else 'open' end,
        case when i % 4 = 0 then null when i % 3 = 2 then 'worker.changqiao' else 'worker.canglang' end,
        case when i % 10 < 7 then now() - (i % 1000) * interval '1 day' + interval '3 days' end,
        case when i % 10 < 7 then now() - (i % 1000) * interval '1 day' + interval '1098 days' end,
        'standard-2026.1', 'liaison', now() - (i % 1000) * interval '1 day', now(), 1
      from generate_series(1, ${CASES}) as i`);
    say(`  cases: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await db.database.db.execute(sql`
      insert into tasks (case_id, id, kind, role, assignee, due_at, status, escalation_level, created_at, revision)
      select c.id, 't' || n, (array['test','contact','test','unannounced_test','tier_review'])[1 + n % 5], 'caseworker', c.assignee,
        c.created_at + n * interval '14 days',
        case when c.created_at + n * interval '14 days' < now() - interval '3 days' then 'done'
             when n % 7 = 0 then 'overdue' else 'open' end,
        case when n % 7 = 0 then 1 else 0 end, c.created_at, 1
      from cases c, generate_series(1, 40) as n
      where c.created_at + n * interval '14 days' < now() + interval '30 days'`);
    say(`  tasks: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await db.database.db.execute(sql`
      insert into timeline (case_id, seq, at, kind, type, actor, data)
      select c.id, n, c.created_at + n * interval '7 days', case when n % 2 = 0 then 'event' else 'engine' end,
        case when n = 1 then 'released' when n = 2 then 'home_visit' when n = 3 then 'reported_in'
             when n % 2 = 0 then 'test' else 'task_created' end,
        null,
        case when n % 2 = 0 and n % 40 = 0 then '{"result":"positive"}'::jsonb else '{"result":"negative"}'::jsonb end
      from cases c, generate_series(1, 60) as n
      where c.released_at is not null and c.created_at + n * interval '7 days' < now()`);
    // What the workflow keeps on each case for the KPIs, from the generated timelines.
    await db.database.db.execute(sql`
      update cases c set
        first_home_visit_at = (select min(t.at) from timeline t where t.case_id = c.id and t.type = 'home_visit'),
        first_positive_at = (select min(t.at) from timeline t where t.case_id = c.id and t.type = 'test' and t.data->>'result' = 'positive')`);
    await db.database.db.execute(sql`analyze`);
    const counts = (await db.database.db.execute(
      sql`select (select count(*) from cases) as cases, (select count(*) from tasks) as tasks, (select count(*) from timeline) as timeline`,
    )) as unknown as { rows: Record<string, string>[] };
    say(`  rows: ${JSON.stringify(counts.rows[0])} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const { policy, document } = loadPolicy(join(__dirname, '..', 'policies', 'standard.json'));
    const app = await buildApp({
      db: db.database,
      temporal: new Client(), // lazy: these queries never reach Temporal
      taskQueue: 'bench',
      policy,
      policyDocument: document,
      tokenSecret: 'bench-secret-bench-secret-bench-secret',
      tokenTtlSeconds: 3_600,
      auditKey: 'bench-audit-key-bench-audit-key-bench',
      payloadCodec: new EncryptionCodec([{ id: 'bench', key: randomBytes(32) }]),
      codecCorsOrigins: [],
    });
    const token = async (username: string) =>
      (
        await app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { username, password: DEMO_PASSWORD },
        })
      ).json().token as string;
    const supervisor = await token('supervisor.city');
    const caseworker = await token('worker.canglang');
    const queries: [string, string, string][] = [
      ['stalled (city, first 200)', '/v1/supervisor/stalled', supervisor],
      ['caseloads (city)', '/v1/supervisor/caseloads', supervisor],
      ['kpis (city, one year)', '/v1/supervisor/kpis', supervisor],
      ['inbox (caseworker, mine)', '/v1/tasks?mine=true', caseworker],
      ['case list (city, 50)', '/v1/cases?limit=50', supervisor],
    ];
    const results: Record<string, { p50: number; p95: number; max: number }> = {};
    for (const [name, url, bearer] of queries) {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        const t = process.hrtime.bigint();
        const reply = await app.inject({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${bearer}` },
        });
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (reply.statusCode !== 200) throw new Error(`${url} answered ${reply.statusCode}: ${reply.body}`);
      }
      times.sort((a, b) => a - b);
      const at = (q: number) =>
        Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]! * 10) / 10;
      results[name] = { p50: at(0.5), p95: at(0.95), max: at(1) };
      say(
        `  ${name.padEnd(28)} p50 ${String(results[name]!.p50).padStart(7)} ms   p95 ${String(results[name]!.p95).padStart(7)} ms`,
      );
    }
    await app.close();
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const report = { at: new Date().toISOString(), cases: CASES, runs: RUNS, rows: counts.rows[0], results };
    writeFileSync(join(dir, 'supervision-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
