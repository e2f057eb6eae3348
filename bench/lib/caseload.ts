import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { buildApp } from '../../api/app';
import { EncryptionCodec } from '../../codec/encryption-codec';
import { loadPolicy } from '../../config/policy';
import type { Database, Db } from '../../db/client';
import { DEMO_PASSWORD } from '../../scripts/demo-data';
import { ensurePartitions } from '../../db/partitions';

/**
 * A city's caseload generated in SQL (bench/supervisor-board.ts, test/supervisor-board/
 * partition-plans.test.ts): streets, phases and histories spread like a real one, most cases in
 * the community with a long history of done tasks and a few open ones, some overdue, some lost
 * contact; timelines over the last three years. The demo users and jurisdictions must be seeded.
 * Ends with the partition job (past months' rows land in DEFAULT first) and ANALYZE.
 */
export async function generateCaseload(db: Db, count: number, say: (line: string) => void = () => {}) {
  const started = Date.now();
  const lap = (what: string) => say(`  ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await db.execute(sql`
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
    from generate_series(1, ${count}) as i`);
  lap('cases');
  await db.execute(sql`
    insert into tasks (case_id, id, kind, role, assignee, due_at, status, escalation_level, created_at, revision)
    select c.id, 't' || n, (array['test','contact','test','unannounced_test','tier_review'])[1 + n % 5], 'caseworker', c.assignee,
      c.created_at + n * interval '14 days',
      case when c.created_at + n * interval '14 days' < now() - interval '3 days' then 'done'
           when n % 7 = 0 then 'overdue' else 'open' end,
      case when n % 7 = 0 then 1 else 0 end, c.created_at, 1
    from cases c, generate_series(1, 40) as n
    where c.created_at + n * interval '14 days' < now() + interval '30 days'`);
  lap('tasks');
  await db.execute(sql`
    insert into timeline (case_id, seq, at, kind, type, actor, data)
    select c.id, n, c.created_at + n * interval '7 days', case when n % 2 = 0 then 'event' else 'engine' end,
      case when n = 1 then 'released' when n = 2 then 'home_visit' when n = 3 then 'reported_in'
           when n % 2 = 0 then 'test' else 'task_created' end,
      null,
      case when n % 2 = 0 and n % 40 = 0 then '{"result":"positive"}'::jsonb else '{"result":"negative"}'::jsonb end
    from cases c, generate_series(1, 60) as n
    where c.released_at is not null and c.created_at + n * interval '7 days' < now()`);
  lap('timeline');
  // What the workflow keeps on each case for the KPIs, from the generated timelines.
  await db.execute(sql`
    update cases c set
      first_home_visit_at = (select min(t.at) from timeline t where t.case_id = c.id and t.type = 'home_visit'),
      first_positive_at = (select min(t.at) from timeline t where t.case_id = c.id and t.type = 'test' and t.data->>'result' = 'positive')`);
  await ensurePartitions(db);
  lap('partitions');
  await db.execute(sql`analyze`);
}

/** The API in-process on `database` for read queries only (Temporal is never reached), and a demo user's token. */
export async function queryApp(database: Database) {
  const { policy, document } = loadPolicy(join(__dirname, '..', '..', 'policies', 'standard.json'));
  const app = await buildApp({
    db: database,
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
  return { app, token };
}
