// The supervisor's queries at city scale: 25,000 cases (Suzhou has about 24,000 registered
// persons) with their tasks and timelines, then p50/p95 of the stalled, caseloads, KPI, inbox
// and case-list endpoints, in-process. Usage: npm run bench:supervisor-board [-- --cases 25000]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { seedDemoData } from '../scripts/demo-data';
import { createTestDatabase } from '../test/helpers/database';
import { generateCaseload, queryApp } from './lib/caseload';

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
    await generateCaseload(db.database.db, CASES, say);
    const counts = (await db.database.db.execute(
      sql`select (select count(*) from cases) as cases, (select count(*) from tasks) as tasks, (select count(*) from timeline) as timeline`,
    )) as unknown as { rows: Record<string, string>[] };
    say(`  rows: ${JSON.stringify(counts.rows[0])} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const { app, token } = await queryApp(db.database);
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
    writeFileSync(join(dir, 'supervisor-board-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
