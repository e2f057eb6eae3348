import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { and, eq, sql } from 'drizzle-orm';
import { buildApp } from '../../api/app';
import { newCaseId } from '../../api/engine';
import { loadConfig } from '../../config/config';
import { loadPolicy } from '../../config/policy';
import { auditLog, cases, importRows } from '../../db/schema';
import { DEMO_PASSWORD } from '../../scripts/demo-data';
import { hashPassword } from '../../api/passwords';
import { upsertUser } from '../../db/users';
import { IMPORT_COLUMN_KEYS } from '../../schemas/imports';
import { handover, makeIdNumber, policeOrder } from '../helpers/fixtures';
import {
  daysBefore,
  gbk,
  importCsv,
  importFinished,
  postImport,
  sheetXml,
  templateRows,
  workbook,
  type ImportCells,
} from '../helpers/imports';
import { POLICIES, startTestSystem, TEST_AUDIT_KEY, type TestSystem } from '../helpers/system';

// R25: a caseload already under way comes in from the 禁毒办's own file, once, whatever happens.

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(async () => {
  await system?.close();
});

let serial = 500;
const person = () => makeIdNumber((serial += 1), '1985-06-0' + (1 + (serial % 9)));

async function mixedRows(now: number): Promise<{ rows: ImportCells[]; openId: string }> {
  const open = handover();
  const opened = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: open });
  expect(opened.statusCode).toBe(201);
  const good = person();
  const rows: ImportCells[] = [
    // row 2: an ID number whose check digit is wrong
    {
      name: '甲',
      idNumber: `${good.slice(0, 17)}${good[17] === '0' ? '1' : '0'}`,
      measure: 'community_rehabilitation',
      residenceAddress: '沧浪街道 1 号',
      jurisdiction: 'suzhou.gusu.canglang',
      releasedAt: daysBefore(now, 40),
    },
    // row 3: a street that does not exist
    {
      name: '乙',
      idNumber: person(),
      measure: 'community_rehabilitation',
      residenceAddress: '某街道 2 号',
      jurisdiction: 'suzhou.gusu.nowhere',
      releasedAt: daysBefore(now, 40),
    },
    // row 4: mid-term, a key case with a refused test behind it
    {
      name: '丙',
      idNumber: person(),
      measure: 'community_rehabilitation',
      residenceAddress: '沧浪街道 3 号',
      jurisdiction: '沧浪街道',
      caseworker: 'worker.canglang',
      releasedAt: daysBefore(now, 400),
      reportedInAt: daysBefore(now, 395),
      tier: 'key',
      testsRefused: 1,
      leavesWithoutNotice: 1,
      daysAwayWithoutNotice: 4,
      lastTestAt: daysBefore(now, 200),
      lastTestResult: 'negative',
      lastContactAt: daysBefore(now, 90),
    },
    // row 5: released, not reported in yet (and long overdue)
    {
      name: '丁',
      idNumber: person(),
      measure: 'community_rehabilitation',
      residenceAddress: '沧浪街道 4 号',
      jurisdiction: 'suzhou.gusu.canglang',
      releasedAt: daysBefore(now, 30),
    },
    // row 6: already has an open case
    {
      name: '戊',
      idNumber: open.person.idNumber,
      measure: 'community_rehabilitation',
      residenceAddress: '沧浪街道 5 号',
      jurisdiction: 'suzhou.gusu.canglang',
      releasedAt: daysBefore(now, 30),
    },
  ];
  return { rows, openId: opened.json().id };
}

/** When `table` was last analyzed by hand or by the import (0 if never; autovacuum is off here). */
async function lastAnalyzed(table: string): Promise<number> {
  const result = (await system.db.database.db.execute(
    sql`select last_analyze as at from pg_stat_user_tables where relname = ${table}`,
  )) as unknown as { rows: { at: Date | string | null }[] };
  const at = result.rows[0]?.at;
  return at ? new Date(at).getTime() : 0;
}

it('R25: the template is the header row of api.md, for supervisors only', async () => {
  const reply = await system.as('supervisor.gusu', { method: 'GET', url: '/v1/imports/template.csv' });
  expect(reply.statusCode).toBe(200);
  expect(reply.headers['content-type']).toMatch(/^text\/csv/);
  expect(reply.body.trim()).toBe(
    'name,idNumber,measure,residenceAddress,registeredAddress,jurisdiction,caseworker,decidedAt,releasedAt,reportedInAt,termStartsAt,tier,testsRefused,leavesWithoutNotice,daysAwayWithoutNotice,lastTestAt,lastTestResult,lastContactAt,note',
  );
  const worker = await system.as('worker.canglang', { method: 'GET', url: '/v1/imports/template.csv' });
  expect(worker.statusCode).toBe(403);
});

it('R25: a dry run of mixed rows names each bad row and column, and creates nothing', async () => {
  const now = await system.env.currentTimeMs();
  const { rows } = await mixedRows(now);
  const before = (await system.db.database.db.select().from(cases)).length;
  const reply = await postImport(system, importCsv(rows, { bom: true }), { dryRun: true });
  expect(reply.statusCode).toBe(200);
  const report = reply.json();
  expect(report).toMatchObject({ total: 5, valid: 3, alreadyOpen: [6], ignoredColumns: [] });
  expect(report.invalid).toEqual([
    {
      row: 2,
      errors: [
        { column: 'idNumber', code: 'id_number_invalid', message: 'idNumber: check digit does not match' },
      ],
    },
    {
      row: 3,
      errors: [
        {
          column: 'jurisdiction',
          code: 'unknown_jurisdiction',
          message: 'jurisdiction: suzhou.gusu.nowhere is not a known jurisdiction within yours',
        },
      ],
    },
  ]);
  expect((await system.db.database.db.select().from(cases)).length).toBe(before);
});

it('R25: every check of the API applies to a row: dates in order and not in the future, counters, caseworker', async () => {
  const now = await system.env.currentTimeMs();
  const base = {
    name: '己',
    measure: 'community_detox',
    residenceAddress: '沧浪街道 6 号',
    jurisdiction: 'suzhou.gusu.canglang',
  };
  const rows: ImportCells[] = [
    { ...base, idNumber: person(), releasedAt: daysBefore(now, -3) },
    { ...base, idNumber: person(), releasedAt: daysBefore(now, 10), reportedInAt: daysBefore(now, 20) },
    { ...base, idNumber: person(), releasedAt: daysBefore(now, 10), testsRefused: -1 },
    { ...base, idNumber: person(), releasedAt: daysBefore(now, 10), caseworker: 'worker.changqiao' },
    { ...base, idNumber: person() },
    { ...base, idNumber: person(), releasedAt: daysBefore(now, 1200), reportedInAt: daysBefore(now, 1150) },
    { ...base, idNumber: person(), jurisdiction: 'suzhou.wuzhong.changqiao', decidedAt: daysBefore(now, 3) },
    { ...base, idNumber: person(), measure: 'community_rehabilitation', decidedAt: daysBefore(now, 3) },
  ];
  const reply = await postImport(system, importCsv(rows), { dryRun: true });
  expect(reply.statusCode).toBe(200);
  const codes = reply
    .json()
    .invalid.map((r: { row: number; errors: { column: string; code: string }[] }) => [
      r.row,
      r.errors.map((e) => `${e.column}:${e.code}`),
    ]);
  expect(codes).toEqual([
    [2, ['releasedAt:date_in_future']],
    [3, ['reportedInAt:date_out_of_order']],
    [4, ['testsRefused:not_a_count']],
    [5, ['caseworker:unknown_caseworker']],
    [6, ['releasedAt:required']],
    [7, ['reportedInAt:term_ended']],
    [8, ['jurisdiction:unknown_jurisdiction']],
    [9, ['measure:invalid_value']],
  ]);
});

it('R25: the import creates each case where its dates say, skips the open one, raises nothing, and a second run creates nothing', async () => {
  const now = await system.env.currentTimeMs();
  const { rows, openId } = await mixedRows(now);
  const csv = importCsv(rows);
  const analyzedBefore = await lastAnalyzed('tasks');
  const accepted = await postImport(system, csv);
  expect(accepted.statusCode).toBe(202);
  const { id } = accepted.json();
  const done = await importFinished(system, id);
  expect(done).toMatchObject({ id, status: 'done', total: 5, created: 2, skipped: 1, pending: 0 });
  // The planner's statistics were taken before the job said done (migration 0013).
  expect(await lastAnalyzed('tasks')).toBeGreaterThan(analyzedBefore);
  expect(done.invalid.map((r: { row: number }) => r.row)).toEqual([2, 3]);
  expect(done.cases).toEqual([newCaseId({ importId: id, row: 4 }), newCaseId({ importId: id, row: 5 })]);

  const midTerm = (
    await system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${done.cases[0]}` })
  ).json();
  expect(midTerm).toMatchObject({
    phase: 'community',
    tier: 'key',
    assignee: 'worker.canglang',
    jurisdiction: 'suzhou.gusu.canglang',
    counters: { testsRefused: 1, leavesWithoutNotice: 1, daysAwayWithoutNotice: 4 },
  });
  expect(Date.parse(midTerm.term.startsAt)).toBe(Date.parse(`${daysBefore(now, 395)}T00:00:00+08:00`));
  // The test and the contact long overdue by the dates are owed from now on, not escalated.
  const kinds = midTerm.openTasks.map((t: { kind: string }) => t.kind).sort();
  expect(kinds).toEqual(expect.arrayContaining(['contact', 'test']));
  for (const task of midTerm.openTasks) {
    expect(task.status).toBe('open');
    expect(Date.parse(task.dueAt)).toBeGreaterThan(now);
  }
  const awaiting = (
    await system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${done.cases[1]}` })
  ).json();
  expect(awaiting.phase).toBe('released_awaiting_report');
  const reportIn = awaiting.openTasks.find((t: { kind: string }) => t.kind === 'report_in');
  expect(Date.parse(reportIn.dueAt)).toBeGreaterThan(now + 14 * 86_400_000);

  for (const caseId of done.cases) {
    const timeline = (
      await system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${caseId}/timeline` })
    ).json();
    const entries = Array.isArray(timeline) ? timeline : timeline.items;
    expect(entries[0]).toMatchObject({ type: 'imported' });
    const notes = await system.as('supervisor.gusu', {
      method: 'GET',
      url: `/v1/notifications?caseId=${caseId}`,
    });
    expect(notes.json().items).toEqual([]);
  }
  const audit = await system.db.database.db.select().from(auditLog).where(eq(auditLog.action, 'case.import'));
  for (const caseId of done.cases) {
    expect(audit.find((a) => a.caseIds.includes(caseId))?.reason).toContain(`import ${id}`);
  }
  // The open case was left alone.
  const still = await system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${openId}` });
  expect(still.json().phase).toBe('pre_release');

  // The same file again: every valid row now has an open case.
  const again = await postImport(system, csv);
  expect(again.statusCode).toBe(202);
  expect(again.json().id).not.toBe(id);
  const second = await importFinished(system, again.json().id);
  expect(second).toMatchObject({ status: 'done', created: 0, skipped: 3, cases: [] });
});

it('R25: the 禁毒办 workbook with Chinese headers and words imports as the CSV does', async () => {
  const now = await system.env.currentTimeMs();
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('社区戒毒康复人员');
  sheet.addRow([
    '序号',
    '姓名',
    '身份证号',
    '人员类别',
    '现住址',
    '户籍地址',
    '街道',
    '禁毒社工',
    '出所日期',
    '报到日期',
    '风险等级',
    '拒检次数',
  ]);
  const idNumber = person();
  sheet.addRow([
    1,
    '庚',
    idNumber,
    '社区康复',
    '沧浪街道 7 号',
    '吴中区 8 号',
    '沧浪街道',
    '沧浪街道禁毒社工',
    new Date(`${daysBefore(now, 100)}T00:00:00Z`),
    daysBefore(now, 95),
    '重点',
    0,
  ]);
  const body = Buffer.from(await workbook.xlsx.writeBuffer());
  const type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  const dry = await postImport(system, body, { dryRun: true, type });
  expect(dry.statusCode).toBe(200);
  expect(dry.json()).toMatchObject({ total: 1, valid: 1, invalid: [], ignoredColumns: ['序号'] });
  const accepted = await postImport(system, body, { type });
  const done = await importFinished(system, accepted.json().id);
  expect(done.created).toBe(1);
  const view = (
    await system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${done.cases[0]}` })
  ).json();
  expect(view).toMatchObject({ phase: 'community', tier: 'key', assignee: 'worker.canglang' });
});

it('R25: an import stopped half-way, with a row whose outcome was lost, finishes at the next start with no duplicate', async () => {
  const now = await system.env.currentTimeMs();
  const rows: ImportCells[] = Array.from({ length: 12 }, (_, i) => ({
    name: `辛${i}`,
    idNumber: person(),
    measure: 'community_rehabilitation',
    residenceAddress: '沧浪街道 9 号',
    jurisdiction: 'suzhou.gusu.canglang',
    releasedAt: daysBefore(now, 60),
    reportedInAt: daysBefore(now, 50),
  }));
  const { policy, document } = loadPolicy(POLICIES.standard);
  const deps = {
    db: system.db.database,
    temporal: system.env.client,
    taskQueue: system.taskQueue,
    policy,
    policyDocument: document,
    tokenSecret: randomUUID() + randomUUID(),
    tokenTtlSeconds: 3_600,
    payloadCodec: system.payloadCodec,
    codecCorsOrigins: [],
    auditKey: TEST_AUDIT_KEY,
    importConcurrency: 1,
  };
  const login = async (app: Awaited<ReturnType<typeof buildApp>>) =>
    (
      await app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { username: 'supervisor.gusu', password: DEMO_PASSWORD },
      })
    ).json().token as string;

  const first = await buildApp(deps);
  const token = await login(first);
  const accepted = await first.inject({
    method: 'POST',
    url: '/v1/imports',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    payload: importCsv(rows),
  });
  const { id } = accepted.json();
  const created = async () =>
    (await system.db.database.db.select().from(importRows).where(eq(importRows.importId, id))).filter(
      (r) => r.status === 'created',
    );
  while ((await created()).length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
  await first.close(); // the API stops: rows in flight finish, the rest wait
  const stopped = await created();
  expect(stopped.length).toBeLessThan(12);
  // As if the process died between starting a row's case and recording that it had.
  const lost = stopped[0]!;
  await system.db.database.db
    .update(importRows)
    .set({ status: 'pending', caseId: null })
    .where(and(eq(importRows.importId, id), eq(importRows.row, lost.row)));

  const second = await buildApp(deps);
  await second.ready(); // resumes the unfinished import
  const done = await importFinished(system, id);
  await second.close();
  expect(done).toMatchObject({ status: 'done', created: 12, skipped: 0, pending: 0 });
  expect(done.cases).toContain(lost.caseId);
  const ids = rows.map((r) => String(r.idNumber));
  const all = (await system.db.database.db.select().from(cases)).filter((c) => ids.includes(c.idNumber));
  expect(all).toHaveLength(12);
  // Nothing personal stays behind in a finished job (R21).
  const left = await system.db.database.db.select().from(importRows).where(eq(importRows.importId, id));
  expect(left.every((r) => r.data === null)).toBe(true);
});

it('R25: the sample files in docs/ (CSV, and the Chinese-headed workbook) check clean', async () => {
  const docs = join(__dirname, '..', '..', 'docs');
  for (const [file, type] of [
    ['import-sample.csv', 'text/csv'],
    ['import-sample.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ] as const) {
    const reply = await system.as('supervisor.city', {
      method: 'POST',
      url: '/v1/imports?dryRun=true',
      headers: { 'content-type': type },
      payload: readFileSync(join(docs, file)),
    });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toMatchObject({ total: 4, valid: 4, invalid: [] });
  }
});

// api.md v1.2 "Heavy and bulk requests are bounded" and "Existence is not an oracle" (issue 25).

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const healthy = async () => {
  const started = Date.now();
  const reply = await system.app.inject({ method: 'GET', url: '/healthz' });
  return { status: reply.statusCode, ms: Date.now() - started };
};

const aRow = (now: number, overrides: ImportCells = {}): ImportCells => ({
  name: '张伟',
  idNumber: person(),
  measure: 'community_rehabilitation',
  residenceAddress: '苏州市姑苏区沧浪街道新市路 18 号',
  jurisdiction: 'suzhou.gusu.canglang',
  releasedAt: daysBefore(now, 30),
  ...overrides,
});

const rowCodes = (report: { invalid: { row: number; errors: { column: string; code: string }[] }[] }) =>
  report.invalid.map((r) => [r.row, r.errors.map((e) => `${e.column}:${e.code}`)]);

it('R25: the 12 KB workbook with a cell in column XFD on 2,000 rows is refused as too wide at once, and the API keeps answering', async () => {
  const now = await system.env.currentTimeMs();
  const body = workbook(
    sheetXml([
      ...templateRows([aRow(now)]),
      ...Array.from({ length: 2_000 }, () => ({ cells: [[16_384, 'x']] as [number, string][] })),
    ]),
  );
  expect(body.length).toBeLessThan(16 * 1024);
  const started = Date.now();
  const reply = await postImport(system, body, { dryRun: true, type: XLSX });
  expect(reply.statusCode).toBe(422);
  expect(reply.json()).toMatchObject({ code: 'import_too_wide' });
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(await healthy()).toMatchObject({ status: 200 });
  // The same rows without the stray cell check clean.
  const clean = await postImport(system, workbook(sheetXml(templateRows([aRow(now)]))), {
    dryRun: true,
    type: XLSX,
  });
  expect(clean.json()).toMatchObject({ total: 1, valid: 1, invalid: [] });
});

it('R25: a small workbook merging or validating a huge range (which the reader would build cell by cell) is refused at once', async () => {
  const now = await system.env.currentTimeMs();
  const sheet = sheetXml(templateRows([aRow(now)]));
  for (const [extra, code] of [
    ['<mergeCells count="1"><mergeCell ref="A3:XFD1048576"/></mergeCells>', 'import_too_wide'],
    [
      '<dataValidations count="1"><dataValidation type="list" sqref="C2:C1048576 D2:D1048576"><formula1>"a"</formula1></dataValidation></dataValidations>',
      'import_unreadable',
    ],
  ] as const) {
    const started = Date.now();
    const reply = await postImport(system, workbook(sheet.replace('</sheetData>', `</sheetData>${extra}`)), {
      dryRun: true,
      type: XLSX,
    });
    expect(reply.json()).toMatchObject({ status: 422, code });
    expect(Date.now() - started).toBeLessThan(10_000);
  }
  expect(await healthy()).toMatchObject({ status: 200 });
});

it('R25: a zip bomb (a 200 MB sheet packed into 200 KB, claiming 1 KB) is refused by the unpacked-size bound', async () => {
  const bomb = workbook(Buffer.alloc(200 * 1024 * 1024, 0x20), { claimedSize: 1_000 });
  expect(bomb.length).toBeLessThan(512 * 1024);
  const reply = await postImport(system, bomb, { dryRun: true, type: XLSX });
  expect(reply.statusCode).toBe(422);
  expect(reply.json()).toMatchObject({ code: 'import_unreadable' });
  expect(reply.json().detail).toMatch(/unpacks to more than 128 MB/);
  expect(await healthy()).toMatchObject({ status: 200 });
});

it('R25: a CSV with a very wide header, or with more than 50,000 rows, is refused before its rows are read', async () => {
  const wide = `${IMPORT_COLUMN_KEYS.join(',')}${',extra'.repeat(200_000)}\r\n`;
  const tooWide = await postImport(system, wide, { dryRun: true });
  expect(tooWide.statusCode).toBe(422);
  expect(tooWide.json()).toMatchObject({ code: 'import_too_wide' });
  const many = `${IMPORT_COLUMN_KEYS.join(',')}\r\n${'甲,1,,,\r\n'.repeat(50_001)}`;
  const tooMany = await postImport(system, many, { dryRun: true });
  expect(tooMany.statusCode).toBe(422);
  expect(tooMany.json()).toMatchObject({ code: 'import_too_many_rows' });
});

it('R25: a file over IMPORT_MAX_BYTES is 413 import_too_large, and /openapi.json says the route sends it', async () => {
  const reply = await postImport(system, Buffer.alloc(20 * 1024 * 1024 + 1, 0x61), { dryRun: true });
  expect(reply.statusCode).toBe(413);
  expect(reply.json()).toMatchObject({ code: 'import_too_large' });
  const doc = (await system.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  expect(Object.keys(doc.paths['/v1/imports'].post.responses)).toEqual(
    expect.arrayContaining(['413', '422']),
  );
});

it('R25: the import body bound follows IMPORT_MAX_BYTES (config), and a file within it is read', async () => {
  const { policy, document } = loadPolicy(POLICIES.standard);
  const config = loadConfig('embedded', { IMPORT_MAX_BYTES: String(64 * 1024) });
  expect(loadConfig('embedded', {}).importMaxBytes).toBe(20 * 1024 * 1024);
  const small = await buildApp({
    db: system.db.database,
    temporal: system.env.client,
    taskQueue: system.taskQueue,
    policy,
    policyDocument: document,
    tokenSecret: system.tokenSecret,
    tokenTtlSeconds: 3_600,
    payloadCodec: system.payloadCodec,
    codecCorsOrigins: [],
    auditKey: TEST_AUDIT_KEY,
    importMaxBytes: config.importMaxBytes,
  });
  try {
    const now = await system.env.currentTimeMs();
    const token = await system.tokenFor('supervisor.gusu');
    const send = (payload: string) =>
      small.inject({
        method: 'POST',
        url: '/v1/imports?dryRun=true',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        payload,
      });
    const over = await send(importCsv(Array.from({ length: 600 }, () => aRow(now))));
    expect(over.statusCode).toBe(413);
    expect(over.json()).toMatchObject({ code: 'import_too_large' });
    const within = await send(importCsv([aRow(now)]));
    expect(within.json()).toMatchObject({ total: 1, valid: 1 });
  } finally {
    await small.close();
  }
});

it('R25: a file that needs more memory or time than an import may use is 422 import_unreadable, and the API answers throughout', async () => {
  const { policy, document } = loadPolicy(POLICIES.standard);
  const tight = await buildApp({
    db: system.db.database,
    temporal: system.env.client,
    taskQueue: system.taskQueue,
    policy,
    policyDocument: document,
    tokenSecret: system.tokenSecret,
    tokenTtlSeconds: 3_600,
    payloadCodec: system.payloadCodec,
    codecCorsOrigins: [],
    auditKey: TEST_AUDIT_KEY,
    importParseLimits: { memoryMb: 8, timeMs: 60_000 },
  });
  const slow = await buildApp({
    db: system.db.database,
    temporal: system.env.client,
    taskQueue: system.taskQueue,
    policy,
    policyDocument: document,
    tokenSecret: system.tokenSecret,
    tokenTtlSeconds: 3_600,
    payloadCodec: system.payloadCodec,
    codecCorsOrigins: [],
    auditKey: TEST_AUDIT_KEY,
    importParseLimits: { memoryMb: 512, timeMs: 20 },
  });
  try {
    const now = await system.env.currentTimeMs();
    const csv = importCsv(Array.from({ length: 3_000 }, () => aRow(now)));
    const token = await system.tokenFor('supervisor.gusu');
    for (const app of [tight, slow]) {
      const reply = await app.inject({
        method: 'POST',
        url: '/v1/imports?dryRun=true',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        payload: csv,
      });
      expect(reply.statusCode).toBe(422);
      expect(reply.json()).toMatchObject({ code: 'import_unreadable' });
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    }
  } finally {
    await tight.close();
    await slow.close();
  }
});

it('R25: a CSV saved by Excel on Chinese Windows (GBK) imports the names and addresses as written', async () => {
  const now = await system.env.currentTimeMs();
  const row = aRow(now, {
    name: '张伟',
    residenceAddress: '苏州市姑苏区沧浪街道新市路 18 号',
    jurisdiction: '沧浪街道',
  });
  const file = gbk(importCsv([row]));
  // Named by the upload, or found by itself: the same reading.
  const named = await postImport(system, file, { dryRun: true, type: 'text/csv; charset=GBK' });
  expect(named.json()).toMatchObject({ total: 1, valid: 1, invalid: [] });
  const accepted = await postImport(system, file);
  const done = await importFinished(system, accepted.json().id);
  expect(done).toMatchObject({ created: 1 });
  const view = (
    await system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${done.cases[0]}` })
  ).json();
  expect(view.person).toMatchObject({ name: '张伟', residenceAddress: '苏州市姑苏区沧浪街道新市路 18 号' });
  expect(JSON.stringify(view)).not.toContain('\uFFFD');
});

it('R25: text that would read as replacement characters is 422 import_encoding, never a case with � in it', async () => {
  const now = await system.env.currentTimeMs();
  const gbkFile = gbk(importCsv([aRow(now)]));
  const asUtf8 = await postImport(system, gbkFile, { dryRun: true, type: 'text/csv; charset=utf-8' });
  expect(asUtf8.statusCode).toBe(422);
  expect(asUtf8.json()).toMatchObject({ code: 'import_encoding' });
  const replacement = await postImport(system, importCsv([aRow(now, { name: '张\uFFFD' })]), {
    dryRun: true,
  });
  expect(replacement.json()).toMatchObject({ code: 'import_encoding' });
  const unknown = await postImport(system, importCsv([aRow(now)]), {
    dryRun: true,
    type: 'text/csv; charset=shift_jis',
  });
  expect(unknown.json()).toMatchObject({ code: 'import_encoding' });
});

it('R25: a NUL or another control character in a cell is a row error invalid_character, in the dry run as in the import', async () => {
  const now = await system.env.currentTimeMs();
  const rows = [
    aRow(now, { name: '张\u0000伟' }),
    aRow(now, { residenceAddress: '沧浪\u001b街道' }),
    aRow(now, { note: '第一行\n第二行\t缩进' }),
    aRow(now, { name: '张\n伟' }),
  ];
  const dry = await postImport(system, importCsv(rows), { dryRun: true });
  expect(dry.statusCode).toBe(200);
  expect(rowCodes(dry.json())).toEqual([
    [2, ['name:invalid_character']],
    [3, ['residenceAddress:invalid_character']],
    [5, ['name:invalid_character']],
  ]);
  const accepted = await postImport(system, importCsv(rows));
  expect(accepted.statusCode).toBe(202);
  const done = await importFinished(system, accepted.json().id);
  expect(done).toMatchObject({ status: 'done', created: 1 });
  expect(done.invalid.map((r: { row: number }) => r.row)).toEqual([2, 3, 5]);
});

it('R25: an import row dated in year 1026 is date_out_of_range, and a district is not a street', async () => {
  const now = await system.env.currentTimeMs();
  const rows = [
    aRow(now, { releasedAt: '1026-03-15' }),
    aRow(now, { measure: 'community_detox', decidedAt: daysBefore(now, 1_500), releasedAt: undefined }),
    aRow(now, { jurisdiction: 'suzhou.gusu' }),
    aRow(now, { jurisdiction: '姑苏区' }),
  ];
  const dry = await postImport(system, importCsv(rows), { dryRun: true });
  expect(rowCodes(dry.json())).toEqual([
    [2, ['releasedAt:date_out_of_range']],
    [3, ['decidedAt:date_out_of_range']],
    [4, ['jurisdiction:destination_not_a_street']],
    [5, ['jurisdiction:destination_not_a_street']],
  ]);
});

describe('existence is not an oracle', () => {
  beforeAll(async () => {
    await upsertUser(system.db.database.db, {
      username: 'supervisor.wuzhong',
      displayName: '吴中区禁毒办督导',
      role: 'supervisor',
      jurisdictions: ['suzhou.wuzhong'],
      passwordHash: await hashPassword(DEMO_PASSWORD),
    });
  });

  it('R21: a supervisor of another district dry-running candidate ID numbers learns nothing of cases outside theirs, and the dry run is audited', async () => {
    const now = await system.env.currentTimeMs();
    const open = handover();
    const opened = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: open });
    expect(opened.statusCode).toBe(201);
    const caseId = opened.json().id as string;
    // Candidate numbers around the masked one, the real one among them.
    const candidates = [open.person.idNumber, person(), person()];
    const rows = candidates.map((idNumber) =>
      aRow(now, { idNumber, jurisdiction: 'suzhou.wuzhong.changqiao' }),
    );
    const dry = await system.as('supervisor.wuzhong', {
      method: 'POST',
      url: '/v1/imports?dryRun=true',
      headers: { 'content-type': 'text/csv' },
      payload: importCsv(rows),
    });
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({ total: 3, valid: 3, invalid: [], alreadyOpen: [] });
    expect(dry.body).not.toContain(caseId);
    const checks = await system.db.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'import.check'), eq(auditLog.actorUsername, 'supervisor.wuzhong')));
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ route: 'POST /v1/imports', caseIds: [] });

    // The supervisor of the case's district is told, and that is audited with the case.
    const ours = await postImport(system, importCsv([aRow(now, { idNumber: open.person.idNumber })]), {
      dryRun: true,
    });
    expect(ours.json()).toMatchObject({ alreadyOpen: [2] });
    const named = await system.db.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'import.check'), eq(auditLog.actorUsername, 'supervisor.gusu')));
    expect(named.some((a) => a.caseIds.includes(caseId))).toBe(true);

    // Only the import itself says a row was skipped for a case elsewhere, and that is audited.
    const accepted = await system.as('supervisor.wuzhong', {
      method: 'POST',
      url: '/v1/imports',
      headers: { 'content-type': 'text/csv' },
      payload: importCsv(rows),
    });
    expect(accepted.statusCode).toBe(202);
    const done = await importFinished(system, accepted.json().id, 'supervisor.wuzhong');
    expect(done).toMatchObject({
      created: 2,
      skipped: 1,
      skippedRows: [{ row: 2, reason: 'open_case_elsewhere' }],
    });
    expect(JSON.stringify(done)).not.toContain(caseId);
    const skips = await system.db.database.db
      .select()
      .from(auditLog)
      .where(
        and(eq(auditLog.action, 'import.skip_elsewhere'), eq(auditLog.actorUsername, 'supervisor.wuzhong')),
      );
    expect(skips.flatMap((a) => a.caseIds)).toEqual([caseId]);
    // The case is untouched and still takes its next command.
    const still = await system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${caseId}` });
    expect(still.json()).toMatchObject({ phase: 'pre_release', jurisdiction: 'suzhou.gusu.canglang' });
  });

  it('R21: POST /v1/cases 409 duplicate_open_case names the case only to a caller who may read it', async () => {
    const open = handover();
    const opened = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: open });
    const caseId = opened.json().id as string;
    const elsewhere = await system.as('supervisor.wuzhong', {
      method: 'POST',
      url: '/v1/cases',
      payload: policeOrder({ person: open.person, destination: 'suzhou.wuzhong.changqiao' }),
    });
    expect(elsewhere.statusCode).toBe(409);
    expect(elsewhere.json()).toMatchObject({ code: 'duplicate_open_case' });
    expect(elsewhere.body).not.toContain(caseId);
    const here = await system.as('supervisor.gusu', {
      method: 'POST',
      url: '/v1/cases',
      payload: policeOrder({ person: open.person, destination: 'suzhou.gusu.canglang' }),
    });
    expect(here.statusCode).toBe(409);
    expect(here.json().detail).toContain(caseId);
  });
});
