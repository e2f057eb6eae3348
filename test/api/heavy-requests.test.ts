import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { hashPassword } from '../../api/passwords';
import { upsertUser } from '../../db/users';
import { CUT_LINE, MAX_PAGES } from '../../api/files/forms';
import { HEAVY_PER_USER } from '../../api/heavy';
import { DEMO_PASSWORD } from '../../scripts/demo-data';
import { handover } from '../helpers/fixtures';
import { startTestSystem, type TestSystem } from '../helpers/system';

// Issue 25, "Heavy and bulk requests are bounded" (api.md v1.2): documents, exports, reports and
// imports at most two at a time per user, forms printed off the request thread so the API keeps
// answering, and a printed form never longer than 20 pages (R26), read back with poppler.

let system: TestSystem;
let caseId: string;

const pdfText = (pdf: Buffer) =>
  execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf }).toString('utf8');
const pdfPages = (pdf: Buffer) => {
  const info = execFileSync('pdfinfo', ['-'], { input: pdf }).toString('utf8');
  return Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
};
/** pdftotext breaks lines where the form wraps them: compare text without the breaks. */
const flat = (text: string) => text.replace(/\s+/g, '');

async function openCase(overrides: Parameters<typeof handover>[0] = {}, person = {}): Promise<string> {
  const body = handover(overrides);
  Object.assign(body.person, person);
  const reply = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: body });
  expect(reply.statusCode).toBe(201);
  return reply.json().id as string;
}

const print = (username: string, id = caseId, kind = 'registration') =>
  system.as(username, { method: 'GET', url: `/v1/cases/${id}/documents/${kind}` });

beforeAll(async () => {
  system = await startTestSystem();
  caseId = await openCase();
}, 60_000);
afterAll(async () => {
  await system?.close();
});

describe('at most two documents, exports, reports or imports at a time per user', () => {
  it('a third form asked while two print is refused with 429 too_many_at_once and Retry-After; the two print', async () => {
    const replies = await Promise.all([1, 2, 3].map(() => print('worker.canglang')));
    const statuses = replies.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 200, 429]);
    const refused = replies.find((r) => r.statusCode === 429)!;
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ status: 429, code: 'too_many_at_once' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    for (const reply of replies.filter((r) => r.statusCode === 200))
      expect(reply.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    // The slots are given back: the user prints again at once.
    expect((await print('worker.canglang')).statusCode).toBe(200);
  });

  it('another user is not held up by someone who has two under way', async () => {
    const mine = [print('worker.canglang'), print('worker.canglang')];
    const theirs = await print('supervisor.gusu');
    expect(theirs.statusCode).toBe(200);
    expect((await Promise.all(mine)).map((r) => r.statusCode)).toEqual([200, 200]);
  });

  it('documents, exports, reports and imports share the two: with two imports under way, each of the others is 429', async () => {
    // Two imports whose files are still arriving hold the user's two slots for as long as the
    // test keeps sending (the slot is taken before the body is read): no race with a fast print.
    const files = [new PassThrough(), new PassThrough()];
    const underWay = files.map((file) =>
      system.as('supervisor.gusu', {
        method: 'POST',
        url: '/v1/imports?dryRun=true',
        headers: { 'content-type': 'text/csv' },
        payload: file,
      }),
    );
    files.forEach((file) => file.write('name'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const others = await Promise.all([
      print('supervisor.gusu'),
      system.as('supervisor.gusu', { method: 'GET', url: '/v1/cases/export?format=xlsx' }),
      system.as('supervisor.gusu', { method: 'GET', url: '/v1/reports/monthly' }),
      system.as('supervisor.gusu', {
        method: 'POST',
        url: '/v1/imports?dryRun=true',
        headers: { 'content-type': 'text/csv' },
        payload: 'name\r\n',
      }),
    ]);
    expect(others.map((r) => [r.statusCode, r.json().code])).toEqual([
      [429, 'too_many_at_once'],
      [429, 'too_many_at_once'],
      [429, 'too_many_at_once'],
      [429, 'too_many_at_once'],
    ]);
    files.forEach((file) => file.end('\r\n'));
    expect((await Promise.all(underWay)).map((r) => r.statusCode < 500)).toEqual([true, true]);
    // And each works again once the imports are answered.
    expect((await print('supervisor.gusu')).statusCode).toBe(200);
    expect(
      (await system.as('supervisor.gusu', { method: 'GET', url: '/v1/cases/export?format=csv' })).statusCode,
    ).toBe(200);
    expect(
      (await system.as('supervisor.gusu', { method: 'GET', url: '/v1/reports/monthly' })).statusCode,
    ).toBe(200);
  });

  it('a refused or failed request gives its slot back (404, 409)', async () => {
    for (let i = 0; i < HEAVY_PER_USER + 2; i += 1) {
      expect((await print('worker.canglang', '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
      expect((await print('worker.canglang', caseId, 'end-of-control-proposal')).statusCode).toBe(409);
    }
    const replies = await Promise.all([print('worker.canglang'), print('worker.canglang')]);
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200]);
  });

  it('/openapi.json lists the 429 of every bounded route', async () => {
    const paths = (await system.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths;
    expect(Object.keys(paths['/v1/cases/{id}/documents/{kind}'].get.responses)).toContain('429');
    expect(Object.keys(paths['/v1/cases/export'].get.responses)).toContain('429');
    expect(Object.keys(paths['/v1/reports/monthly'].get.responses)).toContain('429');
    expect(Object.keys(paths['/v1/imports'].post.responses)).toContain('429');
    expect(Object.keys(paths['/v1/cases/{id}'].get.responses)).not.toContain('429');
  });
});

describe('R26: a printed form is at most 20 pages', () => {
  it('R26: a long note (2,000 characters) prints in full, without a cut', async () => {
    const note = Array.from({ length: 2000 }, (_, i) => '戒毒康复随访记录'[i % 8]).join('');
    const id = await openCase({ note });
    const reply = await print('worker.canglang', id);
    expect(reply.statusCode).toBe(200);
    const text = flat(pdfText(reply.rawPayload));
    expect(text).toContain(note);
    expect(text).not.toContain(CUT_LINE);
  });

  it('R26: a note of 2,000 line breaks and addresses of 300 are cut with a line saying so, within 20 pages', async () => {
    const lines = (n: number) => `起${'\n'.repeat(n - 2)}止`;
    const id = await openCase(
      { note: lines(2000), facility: { name: lines(200) } },
      { residenceAddress: lines(300), registeredAddress: lines(300) },
    );
    const reply = await print('worker.canglang', id);
    expect(reply.statusCode).toBe(200);
    expect(pdfPages(reply.rawPayload)).toBeLessThanOrEqual(MAX_PAGES);
    const text = pdfText(reply.rawPayload);
    // The note and both addresses are cut, each saying so; the form still ends with its signatures.
    expect(text.split(CUT_LINE).length - 1).toBeGreaterThanOrEqual(3);
    expect(text).toContain('审核人（督导）');
    // The agreement prints the residence address too: cut the same way, within the bound.
    const agreement = await print('worker.canglang', id, 'agreement');
    expect(agreement.statusCode).toBe(200);
    expect(pdfPages(agreement.rawPayload)).toBeLessThanOrEqual(MAX_PAGES);
    expect(pdfText(agreement.rawPayload)).toContain(CUT_LINE);
    // The case itself keeps the full text and still takes an ordinary event.
    const read = await system.as('worker.canglang', { method: 'GET', url: `/v1/cases/${id}` });
    expect(read.json().note).toBe(lines(2000));
  });
});

describe('the API keeps answering while forms print (real HTTP)', () => {
  let base: string;
  const users = Array.from({ length: 10 }, (_, i) => `worker.print${i + 1}`);
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    for (const username of users)
      await upsertUser(system.db.database.db, {
        username,
        displayName: '沧浪街道禁毒社工',
        role: 'caseworker',
        jurisdictions: ['suzhou.gusu.canglang'],
        passwordHash,
      });
    for (const username of users) tokens.set(username, await system.tokenFor(username));
    await system.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(system.app.server.address() as AddressInfo).port}`;
  });
  // fetch keeps its connections open for reuse: end them, so the API stops at once after the tests.
  afterAll(() => system.app.server.closeAllConnections());

  const fetchPdf = async (username: string, signal?: AbortSignal) => {
    const reply = await fetch(`${base}/v1/cases/${caseId}/documents/registration`, {
      headers: { authorization: `Bearer ${tokens.get(username)}` },
      signal,
    });
    return {
      status: reply.status,
      retryAfter: reply.headers.get('retry-after'),
      body: Buffer.from(await reply.arrayBuffer()),
    };
  };

  it('20 forms asked at once by 10 users (plus a refused third each): /healthz answers within 1 s throughout, and every form printed is a valid PDF', async () => {
    const latencies: number[] = [];
    let printing = true;
    const poll = (async () => {
      while (printing) {
        const started = performance.now();
        const reply = await fetch(`${base}/healthz`);
        expect(await reply.json()).toEqual({ status: 'ok' });
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const replies = await Promise.all(
      users.map(async (username) => ({
        username,
        replies: await Promise.all([1, 2, 3].map(() => fetchPdf(username))),
      })),
    );
    printing = false;
    await poll;

    for (const { replies: mine } of replies) {
      expect(mine.map((r) => r.status).sort()).toEqual([200, 200, 429]);
      expect(Number(mine.find((r) => r.status === 429)!.retryAfter)).toBeGreaterThan(0);
      for (const reply of mine.filter((r) => r.status === 200))
        expect(pdfPages(reply.body)).toBeGreaterThan(0);
    }
    expect(latencies.length).toBeGreaterThan(5);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
  }, 180_000);

  it('a form whose client went away gives its slot back at once', async () => {
    const abort = new AbortController();
    const gone = [fetchPdf(users[0]!, abort.signal), fetchPdf(users[0]!, abort.signal)];
    await new Promise((resolve) => setTimeout(resolve, 150));
    abort.abort();
    await Promise.allSettled(gone);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await Promise.all([fetchPdf(users[0]!), fetchPdf(users[0]!)]);
    expect(again.map((r) => r.status)).toEqual([200, 200]);
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
  }, 60_000);
});
