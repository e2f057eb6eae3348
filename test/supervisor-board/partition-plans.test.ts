import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import { generateCaseload, queryApp } from '../../bench/lib/caseload';
import type { Database, Db } from '../../db/client';
import * as schema from '../../db/schema';
import { seedDemoData } from '../../scripts/demo-data';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

// Issue 19 item 2: every supervisor and inbox query keeps its plan on the partitioned timeline.
// A caseload of 2,000 cases over three years (about 35 monthly partitions, ANALYZEd), the real
// endpoints called in-process, every SQL statement they send captured and EXPLAINed: the case
// timeline probes the case index of each partition (no Seq Scan on one of any size), the
// monthly report reads only its thirteen months' partitions (DEFAULT and every other month pruned),
// and the board's queries (stalled, caseloads, KPIs) and the inbox do not read the timeline at all.

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Parent Relationship'?: string;
  Plans?: PlanNode[];
}

interface Scan {
  node: string;
  relation: string;
  index?: string;
  /** Inside a SubPlan / InitPlan (the report's correlated "who held the case" lookups). */
  sub: boolean;
}

function scans(node: PlanNode, sub = false): Scan[] {
  const inside =
    sub || node['Parent Relationship'] === 'SubPlan' || node['Parent Relationship'] === 'InitPlan';
  const here = node['Relation Name']
    ? [{ node: node['Node Type'], relation: node['Relation Name'], index: node['Index Name'], sub: inside }]
    : [];
  return [...here, ...(node.Plans ?? []).flatMap((child) => scans(child, inside))];
}

const INDEXED = ['Index Scan', 'Index Only Scan', 'Bitmap Heap Scan', 'Bitmap Index Scan'];
const CASES = 2_000;

let db: TestDatabase;
let pool: Pool;
let captured: { query: string; params: unknown[] }[] = [];
let call: (username: string, url: string) => Promise<void>;
/** Rows per timeline partition, after ANALYZE. */
let sizes: Map<string, number>;

async function plan(query: string, params: unknown[]): Promise<Scan[]> {
  const result = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    `explain (format json) ${query}`,
    params,
  );
  return scans(result.rows[0]!['QUERY PLAN'][0].Plan);
}

/** The plans of every statement an endpoint sent, its audit inserts left out. */
async function plansOf(username: string, url: string): Promise<{ query: string; scans: Scan[] }[]> {
  captured = [];
  await call(username, url);
  const reads = captured.filter((c) => /^\s*(select|with)\b/i.test(c.query));
  return Promise.all(reads.map(async (c) => ({ query: c.query, scans: await plan(c.query, c.params) })));
}

const onTimeline = (s: Scan) => s.relation === 'timeline' || s.relation.startsWith('timeline_');

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDemoData(db.database.db);
  await generateCaseload(db.database.db, CASES);
  pool = new Pool({ connectionString: db.url, max: 4 });
  // As the application's own pool (db/client.ts): an idle connection the server ends is replaced,
  // not an unhandled 'error' that fails whichever test runs then; a query that fails still fails.
  pool.on('error', () => undefined);
  const logged = drizzle(pool, {
    schema,
    logger: { logQuery: (query, params) => void captured.push({ query, params }) },
  }) as unknown as Db;
  const database: Database = { db: logged, kind: 'postgres', ping: async () => {}, close: async () => {} };
  const { app, token } = await queryApp(database);
  const tokens = new Map<string, string>();
  call = async (username, url) => {
    if (!tokens.has(username)) tokens.set(username, await token(username));
    const reply = await app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${tokens.get(username)}` },
    });
    if (reply.statusCode !== 200) throw new Error(`${url} answered ${reply.statusCode}`);
  };
  const rows = await db.database.db.execute(
    sql`select c.relname as name, c.reltuples::bigint as n from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'timeline'::regclass`,
  );
  sizes = new Map(
    (rows as unknown as { rows: { name: string; n: string }[] }).rows.map((r) => [r.name, Number(r.n)]),
  );
}, 300_000);

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('the supervisor and inbox queries on the monthly partitions of the timeline (issue 19)', () => {
  it('has spread three years of history over dozens of monthly partitions, none left in DEFAULT', () => {
    const big = [...sizes].filter(([, n]) => n > 1_000);
    expect(big.length).toBeGreaterThan(20);
    expect(sizes.get('timeline_default')).toBe(0);
  });

  it('reads a case’s timeline through the case index of every partition, no Seq Scan on a big one (GET /v1/cases/:id/timeline)', async () => {
    const [{ id }] = (
      (await db.database.db.execute(
        sql`select case_id as id from timeline group by case_id order by count(*) desc limit 1`,
      )) as unknown as { rows: { id: string }[] }
    ).rows as [{ id: string }];
    const plans = await plansOf('supervisor.city', `/v1/cases/${id}/timeline`);
    const timelineScans = plans.flatMap((p) => p.scans).filter(onTimeline);
    expect(timelineScans.length).toBeGreaterThan(20);
    // A partition of a page or two (the first and the newest months) is read whole, as it should be.
    const big = timelineScans.filter((s) => (sizes.get(s.relation) ?? 0) > 1_000);
    expect(big.length).toBeGreaterThan(20);
    expect(big.filter((s) => !INDEXED.includes(s.node)).map((s) => `${s.node} ${s.relation}`)).toEqual([]);
  });

  it('reads only the partitions of the report’s thirteen months for the monthly report, its “who held the case” lookups by case index (R15)', async () => {
    // Last month in China Standard Time: a full month of generated history.
    const cst = new Date(Date.now() + 8 * 3_600_000);
    const month = new Date(Date.UTC(cst.getUTCFullYear(), cst.getUTCMonth() - 1, 1))
      .toISOString()
      .slice(0, 7);
    const partition = (m: string) => `timeline_y${m.slice(0, 4)}m${m.slice(5, 7)}`;
    expect(sizes.get(partition(month))).toBeGreaterThan(1_000);
    // The report's months: this one and the twelve before it (its trend).
    const months = Array.from({ length: 13 }, (_, i) => {
      const d = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 13 + i, 1));
      return partition(d.toISOString().slice(0, 7));
    });
    const plans = await plansOf('supervisor.city', `/v1/reports/monthly?jurisdiction=suzhou&month=${month}`);
    const counted = plans.filter((p) =>
      p.scans.some((s) => onTimeline(s) && !s.sub && /\bat\b.*>=/.test(p.query)),
    );
    expect(counted.length).toBeGreaterThan(0);
    for (const p of counted) {
      // The entries counted: the partitions of the report's thirteen months, no other, no DEFAULT.
      const outer = p.scans.filter((s) => onTimeline(s) && !s.sub).map((s) => s.relation);
      expect(new Set(outer)).toEqual(new Set(months.filter((m) => sizes.has(m))));
    }
    // Every lookup by case (who held it that day, was it open at the month's end) uses an index
    // on the big partitions, however many months it has to look in.
    const byCase = plans.flatMap((p) => p.scans).filter((s) => onTimeline(s) && s.sub);
    expect(byCase.length).toBeGreaterThan(0);
    for (const s of byCase.filter((x) => (sizes.get(x.relation) ?? 0) > 1_000))
      expect(INDEXED).toContain(s.node);
  });

  it.each([
    ['stalled cases', 'supervisor.city', '/v1/supervisor/stalled'],
    ['caseloads', 'supervisor.city', '/v1/supervisor/caseloads'],
    ['KPIs', 'supervisor.city', '/v1/supervisor/kpis'],
    ['the caseworker’s inbox', 'worker.canglang', '/v1/tasks?mine=true'],
  ])(
    'answers %s without reading the timeline, so partitioning cannot change its plan',
    async (_what, user, url) => {
      const plans = await plansOf(user, url);
      expect(plans.length).toBeGreaterThan(0);
      expect(plans.flatMap((p) => p.scans).filter(onTimeline)).toEqual([]);
    },
  );
});
