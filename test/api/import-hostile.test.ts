import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { handover, makeIdNumber } from '../helpers/fixtures';
import {
  columnLetters,
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
import { startTestSystem, type TestSystem } from '../helpers/system';
import { IMPORT_COLUMN_KEYS } from '../../schemas/imports';

// R25 under attack (issue 25, api.md v1.2 "Heavy and bulk requests are bounded"): generated
// hostile workbooks and CSVs each end in a 4xx or a correct import, while /healthz of the
// listening API, polled over real HTTP from another thread every 100 ms, answers within a second.
// IMPORT_FUZZ_RUNS=300 runs a longer campaign (npm run test:fuzz-imports).

const RUNS = Number(process.env.IMPORT_FUZZ_RUNS ?? 24);
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A /healthz poller on its own thread, so a blocked API shows as a slow answer, not a late probe. */
function healthMonitor(url: string) {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     let paused = true, worst = 0, probes = 0; const failures = [];
     parentPort.on('message', (m) => {
       if (m === 'report') return parentPort.postMessage({ worst, probes, failures });
       paused = m === 'pause';
       parentPort.postMessage('ok');
     });
     const probe = async () => {
       if (paused) return;
       const started = performance.now();
       let failure = null;
       try {
         const reply = await fetch(workerData.url, { signal: AbortSignal.timeout(5000) });
         await reply.text();
         if (reply.status !== 200) failure = 'status ' + reply.status;
       } catch (error) { failure = String(error); }
       if (paused) return;
       probes += 1; worst = Math.max(worst, performance.now() - started);
       if (failure) failures.push(failure);
     };
     setInterval(() => void probe(), 100);`,
    { eval: true, workerData: { url } },
  );
  const ask = <T>(message: string) =>
    new Promise<T>((resolve) => {
      worker.once('message', resolve);
      worker.postMessage(message);
    });
  return {
    /** Stops measuring while this thread itself is busy building a file (the API shares it). */
    pause: () => ask('pause'),
    resume: () => ask('resume'),
    report: () => ask<{ worst: number; probes: number; failures: string[] }>('report'),
    stop: () => worker.terminate(),
  };
}

let system: TestSystem;
let monitor: ReturnType<typeof healthMonitor>;
let now: number;
let serial = 700;
const person = () => makeIdNumber((serial += 1), '1979-11-0' + (1 + (serial % 9)));

beforeAll(async () => {
  system = await startTestSystem();
  await system.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = system.app.server.address() as AddressInfo;
  monitor = healthMonitor(`http://127.0.0.1:${port}/healthz`);
  now = await system.env.currentTimeMs();
});
afterAll(async () => {
  await monitor?.stop();
  await system?.close();
});

const row = (overrides: ImportCells = {}): ImportCells => ({
  name: '张伟',
  idNumber: person(),
  measure: 'community_rehabilitation',
  residenceAddress: '苏州市姑苏区沧浪街道新市路 18 号',
  jurisdiction: '沧浪街道',
  releasedAt: daysBefore(now, 30),
  ...overrides,
});

const HAN = [...'张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英'];
const ENCODINGS = ['utf8', 'utf8bom', 'gbk', 'gbkCharset', 'utf16le', 'utf16be'] as const;

type Hostile =
  | { kind: 'wideXlsx'; rows: number; column: number }
  | { kind: 'manyRowsXlsx'; rows: number }
  | { kind: 'bomb'; mb: number; lie: boolean }
  | { kind: 'expanding'; element: 'mergeCell' | 'dataValidation'; columns: number; rows: number }
  | { kind: 'wideCsv'; columns: number }
  | { kind: 'manyRowsCsv'; rows: number }
  | { kind: 'text'; encoding: (typeof ENCODINGS)[number]; name: string; street: string }
  | { kind: 'garbledText'; encoding: 'utf16leNoBom' | 'latin1'; seed: number[] }
  | { kind: 'control'; char: number; column: 'name' | 'idNumber' | 'residenceAddress' | 'note' }
  | { kind: 'truncated'; cut: number }
  | { kind: 'corrupted'; flips: { at: number; byte: number }[] }
  | { kind: 'xmlTrick'; trick: 'entities' | 'utf16'; depth: number }
  | { kind: 'garbage'; bytes: Uint8Array; type: 'text/csv' | typeof XLSX };

const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  fc.record({
    kind: fc.constant('wideXlsx' as const),
    rows: fc.integer({ min: 1, max: 2_000 }),
    column: fc.integer({ min: IMPORT_COLUMN_KEYS.length + 11, max: 16_384 }),
  }),
  fc.record({ kind: fc.constant('manyRowsXlsx' as const), rows: fc.integer({ min: 50_001, max: 52_000 }) }),
  {
    arbitrary: fc.record({
      kind: fc.constant('bomb' as const),
      mb: fc.constantFrom(160, 300),
      lie: fc.boolean(),
    }),
    weight: 1,
  },
  // A merge or a validation exceljs would build cell by cell: wider than the bound, or too many cells.
  fc.oneof(
    fc.record({
      kind: fc.constant('expanding' as const),
      element: fc.constantFrom('mergeCell' as const, 'dataValidation' as const),
      columns: fc.integer({ min: IMPORT_COLUMN_KEYS.length + 11, max: 16_384 }),
      rows: fc.integer({ min: 1, max: 1_048_576 }),
    }),
    fc.record({
      kind: fc.constant('expanding' as const),
      element: fc.constantFrom('mergeCell' as const, 'dataValidation' as const),
      columns: fc.integer({ min: 3, max: IMPORT_COLUMN_KEYS.length + 10 }),
      rows: fc.constant(1_048_576),
    }),
  ),
  fc.record({
    kind: fc.constant('wideCsv' as const),
    columns: fc.integer({ min: IMPORT_COLUMN_KEYS.length + 11, max: 300_000 }),
  }),
  fc.record({ kind: fc.constant('manyRowsCsv' as const), rows: fc.integer({ min: 50_001, max: 60_000 }) }),
  {
    arbitrary: fc.record({
      kind: fc.constant('text' as const),
      encoding: fc.constantFrom(...ENCODINGS),
      name: fc.array(fc.constantFrom(...HAN), { minLength: 2, maxLength: 4 }).map((a) => a.join('')),
      street: fc.constantFrom('沧浪街道', '双塔街道'),
    }),
    weight: 3,
  },
  fc.record({
    kind: fc.constant('garbledText' as const),
    encoding: fc.constantFrom('utf16leNoBom' as const, 'latin1' as const),
    seed: fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 40 }),
  }),
  {
    arbitrary: fc.record({
      kind: fc.constant('control' as const),
      char: fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })),
      column: fc.constantFrom(
        'name' as const,
        'idNumber' as const,
        'residenceAddress' as const,
        'note' as const,
      ),
    }),
    weight: 3,
  },
  fc.record({ kind: fc.constant('truncated' as const), cut: fc.double({ min: 0, max: 0.999, noNaN: true }) }),
  fc.record({
    kind: fc.constant('xmlTrick' as const),
    trick: fc.constantFrom('entities' as const, 'utf16' as const),
    depth: fc.integer({ min: 1, max: 12 }),
  }),
  fc.record({
    kind: fc.constant('corrupted' as const),
    flips: fc.array(
      fc.record({
        at: fc.double({ min: 0, max: 0.999, noNaN: true }),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
  }),
  fc.record({
    kind: fc.constant('garbage' as const),
    bytes: fc.uint8Array({ minLength: 0, maxLength: 4_096 }),
    type: fc.constantFrom('text/csv' as const, XLSX),
  }),
);

const bombs = new Map<string, Buffer>();

/** What the dry run answers: a report, or a problem. */
interface Answer {
  code?: string;
  total?: number;
  valid?: number;
  invalid?: unknown[];
}

/** The file's bytes, its media type, and what a correct answer is. */
function build(h: Hostile): { body: Buffer; type: string; expect: (status: number, body: Answer) => void } {
  const refused = (code: string) => (status: number, body: Answer) => {
    expect({ status, code: body.code }).toEqual({ status: 422, code });
  };
  switch (h.kind) {
    case 'wideXlsx':
      return {
        body: workbook(
          sheetXml([
            ...templateRows([row()]),
            ...Array.from({ length: h.rows }, () => ({ cells: [[h.column, 'x']] as [number, string][] })),
          ]),
        ),
        type: XLSX,
        expect: refused('import_too_wide'),
      };
    case 'manyRowsXlsx':
      return {
        body: workbook(
          sheetXml([
            ...templateRows([]),
            ...Array.from({ length: h.rows }, () => ({ cells: [[1, '甲']] as [number, string][] })),
          ]),
        ),
        type: XLSX,
        expect: refused('import_too_many_rows'),
      };
    case 'bomb': {
      const key = `${h.mb}:${h.lie}`;
      if (!bombs.has(key))
        bombs.set(key, workbook(Buffer.alloc(h.mb * 1024 * 1024, 0x20), h.lie ? { claimedSize: 1_000 } : {}));
      return { body: bombs.get(key)!, type: XLSX, expect: refused('import_unreadable') };
    }
    case 'expanding': {
      const range = `A2:${columnLetters(h.columns)}${h.rows + 1}`;
      const extra =
        h.element === 'mergeCell'
          ? `<mergeCells count="1"><mergeCell ref="${range}"/></mergeCells>`
          : `<dataValidations count="1"><dataValidation type="list" allowBlank="1" sqref="${range}"><formula1>"a,b"</formula1></dataValidation></dataValidations>`;
      const xml = sheetXml(templateRows([row()])).replace('</sheetData>', `</sheetData>${extra}`);
      return {
        body: workbook(xml),
        type: XLSX,
        expect: refused(h.columns > IMPORT_COLUMN_KEYS.length + 10 ? 'import_too_wide' : 'import_unreadable'),
      };
    }
    case 'wideCsv':
      return {
        body: Buffer.from(
          `${IMPORT_COLUMN_KEYS.join(',')}${',x'.repeat(h.columns - IMPORT_COLUMN_KEYS.length)}\r\n`,
        ),
        type: 'text/csv',
        expect: refused('import_too_wide'),
      };
    case 'manyRowsCsv':
      return {
        body: Buffer.from(`${IMPORT_COLUMN_KEYS.join(',')}\r\n${'甲,1\r\n'.repeat(h.rows)}`),
        type: 'text/csv',
        expect: refused('import_too_many_rows'),
      };
    case 'text': {
      const text = importCsv([row({ name: h.name, jurisdiction: h.street })]);
      const bytes = {
        utf8: Buffer.from(text),
        utf8bom: Buffer.from(`\uFEFF${text}`),
        gbk: gbk(text),
        gbkCharset: gbk(text),
        utf16le: Buffer.from(`\uFEFF${text}`, 'utf16le'),
        utf16be: Buffer.from(`\uFEFF${text}`, 'utf16le').swap16(),
      }[h.encoding];
      return {
        body: bytes,
        type: h.encoding === 'gbkCharset' ? 'text/csv; charset=gbk' : 'text/csv',
        expect: (status, body) =>
          expect({ status, ...body }).toMatchObject({ status: 200, total: 1, valid: 1 }),
      };
    }
    case 'garbledText': {
      const text = importCsv([row()]);
      const body =
        h.encoding === 'utf16leNoBom'
          ? Buffer.from(text, 'utf16le')
          : Buffer.concat([Buffer.from(text.slice(0, -2)), Buffer.from(h.seed), Buffer.from('\r\n')]);
      return {
        body,
        type: 'text/csv',
        // Either refused, or read as GB18030 with no character lost: never a 5xx.
        expect: (status) => expect([200, 422]).toContain(status),
      };
    }
    case 'control': {
      const char = String.fromCharCode(h.char);
      const value = {
        name: `张${char}伟`,
        idNumber: `3205${char}08`,
        residenceAddress: `沧浪${char}街道`,
        note: `第一行${char}第二行`,
      }[h.column];
      const allowed = h.column === 'note' && [9, 10, 13].includes(h.char);
      return {
        body: Buffer.from(importCsv([row({ [h.column]: value })])),
        type: 'text/csv',
        expect: (status, body) => {
          expect(status).toBe(200);
          if (allowed) expect(body).toMatchObject({ valid: 1, invalid: [] });
          else
            expect(body.invalid).toEqual([
              { row: 2, errors: [expect.objectContaining({ column: h.column, code: 'invalid_character' })] },
            ]);
        },
      };
    }
    case 'truncated': {
      const whole = workbook(sheetXml(templateRows([row()])));
      return {
        body: whole.subarray(0, Math.floor(whole.length * h.cut)),
        type: XLSX,
        expect: refused('import_unreadable'),
      };
    }
    case 'xmlTrick': {
      const xml = sheetXml(templateRows([row()]));
      if (h.trick === 'utf16')
        return {
          body: workbook(Buffer.from(`\uFEFF${xml.replace('UTF-8', 'UTF-16')}`, 'utf16le')),
          type: XLSX,
          expect: refused('import_unreadable'),
        };
      // Billion laughs: entities of entities, h.depth levels of ten.
      const entities = Array.from({ length: h.depth }, (_, i) =>
        i === 0 ? '<!ENTITY e0 "laugh">' : `<!ENTITY e${i} "${`&e${i - 1};`.repeat(10)}">`,
      ).join('');
      return {
        body: workbook(
          xml
            .replace('<worksheet', `<!DOCTYPE worksheet [${entities}]><worksheet`)
            .replace('<t>张伟</t>', `<t>&e${h.depth - 1};</t>`),
        ),
        type: XLSX,
        expect: refused('import_unreadable'),
      };
    }
    case 'corrupted': {
      const body = Buffer.from(workbook(sheetXml(templateRows([row()]))));
      for (const { at, byte } of h.flips) body[Math.floor(body.length * at)] = byte;
      // Refused, or (a byte that did not matter) read as the workbook it still is.
      return { body, type: XLSX, expect: (status) => expect([200, 422]).toContain(status) };
    }
    case 'garbage':
      return {
        body: Buffer.from(h.bytes),
        type: h.type,
        expect: (status) => expect(status).toBe(422),
      };
  }
}

it('R25: hostile workbooks and CSVs each end in a 4xx or a correct import, and /healthz answers within a second throughout', async () => {
  await fc.assert(
    fc.asyncProperty(hostile, async (h) => {
      await monitor.pause();
      const { body, type, expect: correct } = build(h);
      await monitor.resume();
      const reply = await postImport(system, body, { dryRun: true, type });
      expect(reply.statusCode).toBeLessThan(500);
      correct(reply.statusCode, reply.json());
      // A file of real people in any encoding the import reads becomes cases with their names.
      if (h.kind === 'text') {
        const accepted = await postImport(system, body, { type });
        const done = await importFinished(system, accepted.json().id);
        expect(done).toMatchObject({ created: 1 });
        const view = (
          await system.as('supervisor.gusu', { method: 'GET', url: `/v1/cases/${done.cases[0]}` })
        ).json();
        expect(view.person.name).toBe(h.name);
      }
    }),
    { numRuns: RUNS },
  );
  await monitor.pause();
  const { worst, probes, failures } = await monitor.report();
  expect(failures).toEqual([]);
  expect(probes).toBeGreaterThan(RUNS);
  expect(worst).toBeLessThan(1_000);

  // Afterwards the API still imports a normal file and opens a normal case.
  const accepted = await postImport(system, importCsv([row()]));
  expect(accepted.statusCode).toBe(202);
  expect(await importFinished(system, accepted.json().id)).toMatchObject({ status: 'done', created: 1 });
  const opened = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: handover() });
  expect(opened.statusCode).toBe(201);
}, 300_000);

it('R25: a dry run of 50,000 rows, every one of them wrong, is answered while /healthz stays within a second', async () => {
  await monitor.pause();
  const before = await monitor.report();
  const line = `张伟,320508197911011230,community_rehabilitation,苏州市姑苏区沧浪街道新市路 18 号,,suzhou.gusu.nowhere,,,${daysBefore(now, -3)}`;
  const body = `${IMPORT_COLUMN_KEYS.join(',')}\r\n${`${line}\r\n`.repeat(50_000)}`;
  await monitor.resume();
  const started = Date.now();
  const reply = await postImport(system, body, { dryRun: true });
  const took = Date.now() - started;
  await monitor.pause();
  expect(reply.statusCode).toBe(200);
  expect(reply.json()).toMatchObject({ total: 50_000, valid: 0 });
  expect(reply.json().invalid).toHaveLength(50_000);
  const after = await monitor.report();
  expect(after.failures).toEqual(before.failures);
  expect(after.probes).toBeGreaterThan(before.probes + Math.floor(took / 200));
  expect(after.worst).toBeLessThan(1_000);
}, 120_000);
