import ExcelJS from 'exceljs';
import { handover } from '../helpers/fixtures';
import { startTestSystem, type TestSystem } from '../helpers/system';

// The monthly report (GET /v1/reports/monthly) on the real engine: every figure is worked out by
// hand from the events this file records (docs/reports.md says what each counts), and the
// workbook is read back with exceljs and compared with the JSON.

let system: TestSystem;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
// The report's months are China Standard Time months; everything below happens in this one.
const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);

const recorded = async (id: string, username: string, payload: object) => {
  const reply = await system.as(username, { method: 'POST', url: `/v1/cases/${id}/events`, payload });
  if (reply.statusCode !== 201) throw new Error(`${JSON.stringify(payload)} refused: ${reply.body}`);
};
const open = async (destination = 'suzhou.gusu.canglang') => {
  const reply = await system.as('liaison', {
    method: 'POST',
    url: '/v1/cases',
    payload: handover({ destination }),
  });
  if (reply.statusCode !== 201) throw new Error(reply.body);
  return reply.json().id as string;
};
const test = (result: string) => ({ type: 'test', method: 'urine', result, unannounced: false });
const report = async (jurisdiction: string, username = 'supervisor.city', extra = '') =>
  system.as(username, {
    method: 'GET',
    url: `/v1/reports/monthly?jurisdiction=${jurisdiction}&month=${month}${extra}`,
  });

beforeAll(async () => {
  system = await startTestSystem();
  // A: Canglang (Gusu), the whole month's work.
  const a = await open();
  await recorded(a, 'liaison', { type: 'released' });
  await recorded(a, 'worker.canglang', { type: 'reported_in', jurisdiction: 'suzhou.gusu.canglang' });
  await recorded(a, 'worker.canglang', { type: 'home_visit', reached: true });
  await recorded(a, 'police.gusu', { type: 'home_visit', reached: true });
  await recorded(a, 'worker.canglang', { type: 'contact', channel: 'phone', reached: true });
  await recorded(a, 'worker.canglang', test('negative'));
  await recorded(a, 'worker.canglang', test('positive'));
  await recorded(a, 'worker.canglang', test('refused'));
  await recorded(a, 'worker.canglang', { type: 'service', area: 'employment', action: 'assessed' });
  await recorded(a, 'worker.canglang', { type: 'service', area: 'employment', action: 'achieved' });
  await recorded(a, 'worker.canglang', { type: 'service', area: 'methadone', action: 'achieved' });
  // B: Canglang, opened and closed again.
  const b = await open();
  await system.as('supervisor.gusu', {
    method: 'POST',
    url: `/v1/cases/${b}/close`,
    payload: { reason: '错误录入' },
  });
  // C: Changqiao (Wuzhong), released.
  const c = await open('suzhou.wuzhong.changqiao');
  await recorded(c, 'liaison', { type: 'released' });
  // D: reported in at Canglang, moved to Changqiao, reported in and tested there (R15).
  const d = await open();
  await recorded(d, 'liaison', { type: 'released' });
  await recorded(d, 'worker.canglang', { type: 'reported_in', jurisdiction: 'suzhou.gusu.canglang' });
  const moved = await system.as('supervisor.city', {
    method: 'POST',
    url: `/v1/cases/${d}/transfer`,
    payload: { to: 'suzhou.wuzhong.changqiao', reason: '迁居' },
  });
  expect(moved.statusCode).toBe(200);
  await recorded(d, 'worker.changqiao', { type: 'reported_in', jurisdiction: 'suzhou.wuzhong.changqiao' });
  await recorded(d, 'worker.changqiao', test('negative'));
}, 120_000);
afterAll(async () => {
  await system?.close();
});

describe('GET /v1/reports/monthly', () => {
  it('counts the month’s recorded work for the jurisdiction that held each case that day (R15, R24)', async () => {
    const reply = await report('suzhou.gusu');
    expect(reply.statusCode).toBe(200);
    const { jurisdiction, figures, previous } = reply.json();
    expect(jurisdiction).toBe('suzhou.gusu');
    expect(figures).toMatchObject({
      casesOpened: 3, // A, B, D: D was opened in Canglang and moved later
      releases: 2, // A, D
      reportedIn: 2, // A, and D's first report-in, made in Canglang before the transfer
      homeVisits: 2, // A: the caseworker's, and the joint one the police recorded
      contacts: 1, // A
      tests: 2, // A's negative and positive; D's test was made in Changqiao after arrival
      testsPositive: 1, // A
      testsRefused: 1, // A
      activeCases: 1, // A: B is closed, D is Wuzhong's at the month's end
    });
    expect(figures.services.employment).toEqual({ assessed: 1, referred: 0, provided: 0, achieved: 1 });
    expect(figures.services.methadone).toEqual({ assessed: 0, referred: 0, provided: 0, achieved: 1 });
    expect(figures.services.family).toEqual({ assessed: 0, referred: 0, provided: 0, achieved: 0 });
    // Twelve months before, oldest first, and nothing recorded in them.
    expect(previous).toHaveLength(12);
    expect(previous[11].figures).toMatchObject({ casesOpened: 0, tests: 0, activeCases: 0 });
  });

  it('R15: the receiving side counts what happened after arrival; the city counts everything once', async () => {
    const wuzhong = (await report('suzhou.wuzhong')).json().figures;
    expect(wuzhong).toMatchObject({
      casesOpened: 1, // C
      releases: 1, // C
      reportedIn: 1, // D's arrival
      tests: 1, // D, after arrival
      activeCases: 2, // C, D
    });
    const city = (await report('suzhou')).json().figures;
    expect(city).toMatchObject({
      casesOpened: 4,
      releases: 3,
      reportedIn: 3,
      tests: 3,
      homeVisits: 2,
      activeCases: 3,
    });
  });

  it('the workbook (?format=xlsx or Accept) holds the same figures as the JSON, cell by cell', async () => {
    const json = (await report('suzhou.gusu')).json();
    const byQuery = await report('suzhou.gusu', 'supervisor.city', '&format=xlsx');
    const byAccept = await system.as('supervisor.city', {
      method: 'GET',
      url: `/v1/reports/monthly?jurisdiction=suzhou.gusu&month=${month}`,
      headers: { accept: XLSX },
    });
    for (const reply of [byQuery, byAccept]) {
      expect(reply.statusCode).toBe(200);
      expect(reply.headers['content-type']).toBe(XLSX);
      expect(reply.headers['content-disposition']).toContain(`monthly-suzhou.gusu-${month}.xlsx`);
    }
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(byQuery.rawPayload as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('月报')!;
    expect(sheet.getRow(1).values).toEqual([undefined, '辖区', 'suzhou.gusu']);
    expect(sheet.getRow(2).values).toEqual([undefined, '月份', month]);
    const cells: Record<string, unknown> = {};
    sheet.eachRow((row, n) => {
      if (n > 4) cells[String(row.getCell(1).value)] = row.getCell(3).value;
    });
    const { services, ...plain } = json.figures;
    const expected: Record<string, unknown> = { ...plain };
    for (const [area, actions] of Object.entries(services as Record<string, Record<string, number>>))
      for (const [action, n] of Object.entries(actions)) expected[`services.${area}.${action}`] = n;
    expect(cells).toEqual(expected);
    const trend = book.getWorksheet('近13个月')!;
    expect(trend.getRow(1).getCell(15).value).toBe(month);
    expect(trend.getRow(2).getCell(15).value).toBe(json.figures.casesOpened);
  });

  it('/openapi.json documents the workbook beside the JSON, and every refusal as problem+json', async () => {
    const document = (await system.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const responses = document.paths['/v1/reports/monthly'].get.responses;
    expect(Object.keys(responses['200'].content).sort()).toEqual(['application/json', XLSX]);
    expect(Object.keys(responses['400'].content)).toEqual(['application/problem+json']);
  });

  it('refuses a jurisdiction outside yours (400), a bad month (400), and every role but the supervisor (403)', async () => {
    expect((await report('suzhou.wuzhong', 'supervisor.gusu')).statusCode).toBe(400);
    const badMonth = await system.as('supervisor.gusu', {
      method: 'GET',
      url: '/v1/reports/monthly?month=2026-13',
    });
    expect(badMonth.statusCode).toBe(400);
    for (const username of ['worker.canglang', 'liaison', 'police.gusu'])
      expect((await report('suzhou.gusu', username)).statusCode).toBe(403);
  });
});
