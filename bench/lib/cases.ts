import { makeIdNumber } from '../../test/helpers/fixtures';
import { daysBefore, importCsv, type ImportCells } from '../../test/helpers/imports';
import type { CreateCaseBody } from '../../schemas/case';
import { load, type LoadOptions, type LoadResult } from './load';
import { progressBar } from './progress';
import type { BenchSystem } from './system';

// Handovers for the benchmarks: each a different person (a valid, unique ID number), spread over
// the demo streets, with releases expected over the next three months.

const STREETS = ['suzhou.gusu.canglang', 'suzhou.gusu.shuangta', 'suzhou.wuzhong.changqiao'];
const DAY = 86_400_000;
let serial = 0;

export function nextHandover(destination?: string): CreateCaseBody {
  serial += 1;
  const born = new Date(Date.UTC(1965, 0, 1) + Math.floor(serial / 1000) * DAY).toISOString().slice(0, 10);
  return {
    person: {
      name: '王某某',
      idNumber: makeIdNumber(serial, born),
      residenceAddress: '苏州市姑苏区沧浪街道新市路 1 号',
      phone: '13800000000',
    },
    facility: { name: '苏州市强制隔离戒毒所' },
    measure: serial % 3 === 0 ? 'community_detox' : 'community_rehabilitation',
    expectedReleaseAt: new Date(Date.now() + (1 + (serial % 90)) * DAY).toISOString(),
    destination: destination ?? STREETS[serial % STREETS.length]!,
  };
}

/** `POST /v1/cases` of fresh handovers (`nextHandover`), for `duration` seconds or `amount` cases. */
export function openCases(
  options: Omit<LoadOptions, 'method' | 'path' | 'body' | 'setup'>,
): Promise<LoadResult> {
  return load({ ...options, method: 'POST', path: '/v1/cases', setup: () => ({ body: nextHandover() }) });
}

/** Runs `fn` for 0..count-1, `concurrency` at a time. */
export async function pool(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

let importSerial = 0;

/**
 * Rows of an import as a 禁毒办 would export its caseload under way: one in ten released and not
 * reported in, the rest mid-term with tier, counters, last test and last contact. Each row a
 * different person (born from 1975 on: no handover above has the same ID number).
 */
export function importRows(count: number, now: number): ImportCells[] {
  return Array.from({ length: count }, () => {
    // Across calls too: a second import in the same run names other persons.
    const i = importSerial++;
    const born = new Date(Date.UTC(1975, 0, 1) + Math.floor(i / 1000) * DAY).toISOString().slice(0, 10);
    const released = 20 + (i % 900);
    const base: ImportCells = {
      name: '某某',
      idNumber: makeIdNumber(i, born),
      measure: i % 3 === 0 ? 'community_detox' : 'community_rehabilitation',
      residenceAddress: '苏州市某街道某路 1 号',
      jurisdiction: STREETS[i % STREETS.length]!,
      releasedAt: daysBefore(now, released),
    };
    if (i % 10 === 0) return base;
    return {
      ...base,
      reportedInAt: daysBefore(now, released - 5),
      tier: i % 7 === 0 ? 'key' : 'stable',
      testsRefused: i % 11 === 0 ? 1 : 0,
      lastTestAt: daysBefore(now, i % 40),
      lastTestResult: 'negative',
      lastContactAt: daysBefore(now, i % 25),
    };
  });
}

interface ImportView {
  status: 'running' | 'done' | 'failed';
  created: number;
  skipped: number;
  pending: number;
}

/**
 * `count` cases under way through the API's import (R25): the rows split into one file per
 * running API, each posted to its API as the city supervisor and run there by that process's
 * import runner (`IMPORT_CONCURRENCY` rows at a time: `sys.apiEnv`, set before the APIs start).
 * Progress and an ETA from the jobs' pending counts; the time is from the first POST to the
 * last job done.
 */
export async function importCaseload(
  sys: BenchSystem,
  count: number,
  { concurrency }: { concurrency: number },
): Promise<{ seconds: number; created: number; failed: number; how: string }> {
  const rows = importRows(count, Date.now());
  const urls = sys.apiUrls;
  const token = await sys.token('supervisor.city');
  const headers = { authorization: `Bearer ${token}` };
  const bar = progressBar('importing cases', count);
  const started = performance.now();
  const jobs = await Promise.all(
    urls.map(async (url, j) => {
      const part = rows.filter((_, i) => i % urls.length === j);
      const reply = await fetch(`${url}/v1/imports`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'text/csv' },
        body: importCsv(part),
      });
      if (reply.status !== 202) throw new Error(`the import answered ${reply.status}: ${await reply.text()}`);
      return { url, id: ((await reply.json()) as { id: string }).id, rows: part.length };
    }),
  );
  let views: ImportView[] = [];
  for (;;) {
    views = await Promise.all(
      jobs.map(async (job) => {
        const reply = await fetch(`${job.url}/v1/imports/${job.id}`, { headers });
        if (!reply.ok) throw new Error(`GET the import answered ${reply.status}`);
        return (await reply.json()) as ImportView;
      }),
    );
    bar.tick(jobs.reduce((done, job, j) => done + job.rows - views[j]!.pending, 0));
    if (views.every((view) => view.status !== 'running')) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  bar.end();
  const seconds = (performance.now() - started) / 1000;
  const created = views.reduce((n, view) => n + view.created, 0);
  return {
    seconds,
    created,
    failed: count - created,
    how: `${jobs.length} import job(s), ${Math.ceil(concurrency / jobs.length)} rows at a time each, ${views.map((v) => v.status).join(', ')}`,
  };
}
