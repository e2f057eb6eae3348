import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { Payload } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { EncryptionCodec, isEncrypted, parsePayloadKeys } from '../../codec/encryption-codec';
import { loadPolicy } from '../../config/policy';
import { auditLog } from '../../db/schema';
import { CASE_WORKFLOW_TYPE, caseWorkflowId, type CaseInput } from '../../workflows/case/messages';
import { temporalBinaries } from '../../scripts/temporal-dev-server';
import { handover } from '../helpers/fixtures';
import { POLICIES, startTestSystem, type TestSystem } from '../helpers/system';

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(async () => {
  await system?.close();
});

/** Every payload in a history (anything with `data` bytes and a `metadata` map), found by walking it. */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return found;
  const record = value as Record<string, unknown>;
  if (record.metadata && typeof record.metadata === 'object' && ArrayBuffer.isView(record.data)) {
    found.push(record as Payload);
    return found;
  }
  for (const child of Object.values(record)) payloadsIn(child, found);
  return found;
}

/** The history's bytes and text as one buffer: what someone reading Temporal's database would see. */
function rawText(value: unknown): Buffer {
  const parts: Buffer[] = [];
  const walk = (v: unknown) => {
    if (ArrayBuffer.isView(v)) parts.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    else if (typeof v === 'string') parts.push(Buffer.from(v));
    else if (v && typeof v === 'object') for (const child of Object.values(v)) walk(child);
  };
  walk(value);
  return Buffer.concat(parts);
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('R21: names, ID numbers and addresses are ciphertext in Temporal', () => {
  it("a case workflow's history holds none of the person's data in plaintext, and decoding restores it", async () => {
    const body = handover();
    const created = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: body });
    expect(created.statusCode).toBe(201);
    const history = await system.env.client.workflow.getHandle(`case-${created.json().id}`).fetchHistory();

    const raw = rawText(history);
    const secrets = [body.person.name, body.person.idNumber, body.person.residenceAddress];
    for (const secret of secrets) expect(raw.includes(Buffer.from(secret))).toBe(false);
    expect(raw.includes(Buffer.from('binary/encrypted'))).toBe(true);

    const decoded = rawText(await system.payloadCodec.decode(payloadsIn(history)));
    for (const secret of secrets) expect(decoded.includes(Buffer.from(secret))).toBe(true);
  });

  it("an activity's database error, which quotes the row it failed to write, is not in Temporal in plaintext", async () => {
    const body = handover();
    const caseId = randomUUID();
    // PostgreSQL refuses a NUL in text: the insert fails and Drizzle's error lists every parameter.
    const input: CaseInput = {
      caseId,
      opening: { ...body, person: { ...body.person, name: `${body.person.name}\u0000` } },
      openedBy: 'liaison',
      openedAt: new Date().toISOString(),
      policy: loadPolicy(POLICIES.standard).policy,
      // The write as an ordinary activity, whose last failure the server keeps and shows (a local
      // write's failure goes through the same failure converter, but the server never holds it).
      syncInWorkflowTask: false,
    };
    const handle = await system.env.client.workflow.start(CASE_WORKFLOW_TYPE, {
      workflowId: caseWorkflowId(caseId),
      taskQueue: system.taskQueue,
      args: [input],
    });
    try {
      let described = await handle.describe();
      for (let i = 0; i < 100 && !described.raw.pendingActivities?.[0]?.lastFailure; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        described = await handle.describe();
      }
      const failure = described.raw.pendingActivities![0]!.lastFailure!;
      expect(failure.message).toBe('Encoded failure');
      expect(rawText(described.raw).includes(Buffer.from(body.person.idNumber))).toBe(false);
      const [attributes] = await system.payloadCodec.decode([failure.encodedAttributes as Payload]);
      const decoded = Buffer.from(attributes!.data!).toString();
      const { message } = JSON.parse(decoded) as { message: string };
      expect(message).toMatch(/^Failed query: insert into "cases"[\s\S]*\nparams: \[redacted\]$/);
      expect(decoded).not.toContain(body.person.idNumber);
    } finally {
      await handle.terminate('test over');
    }
  });

  it('rotation: a new first key encrypts, payloads under the old key still decode', async () => {
    const [oldKey] = parsePayloadKeys(`old:${randomBytes(32).toString('base64')}`);
    const [newKey] = parsePayloadKeys(`new:${randomBytes(32).toString('base64')}`);
    const before = await new EncryptionCodec([oldKey!]).encode([{ metadata: {}, data: Buffer.from('张三') }]);
    const rotated = new EncryptionCodec([newKey!, oldKey!]);
    const [decoded] = await rotated.decode(before);
    expect(Buffer.from(decoded!.data!).toString()).toBe('张三');
    const [after] = await rotated.encode([{ metadata: {}, data: Buffer.from('x') }]);
    expect(Buffer.from(after!.metadata!['encryption-key-id']!).toString()).toBe('new');
    await expect(new EncryptionCodec([newKey!]).decode(before)).rejects.toThrow(/unknown key id "old"/);
  });

  it('a tampered ciphertext is refused, not decoded to garbage', async () => {
    const [payload] = await system.payloadCodec.encode([{ metadata: {}, data: Buffer.from('王某某') }]);
    const data = Buffer.from(payload!.data!);
    data[20] = data[20]! ^ 1;
    await expect(system.payloadCodec.decode([{ ...payload!, data }])).rejects.toThrow();
  });

  it.each([
    ['not base64', 'k1:not-base64!', /32 bytes/],
    ['a short key', `k1:${randomBytes(16).toString('base64')}`, /32 bytes/],
    [
      'a repeated key id',
      `k1:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`,
      /unique/,
    ],
  ])('PAYLOAD_KEYS with %s stops the process with a message', (_, text, message) => {
    expect(() => parsePayloadKeys(text)).toThrow(message);
  });
});

describe('the codec endpoint for the Temporal Web UI (POST /codec/decode, /codec/encode)', () => {
  const codec = (operation: string, username: string | null, payload: object, headers: object = {}) =>
    username
      ? system.as(username, { method: 'POST', url: `/codec/${operation}`, payload, headers: { ...headers } })
      : system.app.inject({ method: 'POST', url: `/codec/${operation}`, payload });

  const toJson = (payloads: Payload[]) => ({
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
      ),
      data: Buffer.from(p.data!).toString('base64'),
    })),
  });
  /** The encrypted payloads of a new case's history, as the Web UI sends them. */
  async function payloadsOfNewCase(destination = 'suzhou.gusu.canglang') {
    const body = handover({ destination });
    const created = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: body });
    expect(created.statusCode).toBe(201);
    const id: string = created.json().id;
    const history = await system.env.client.workflow.getHandle(`case-${id}`).fetchHistory();
    // Search attributes stay plaintext (they hold no personal data): only encrypted payloads.
    return { id, body, payloads: payloadsIn(history).filter(isEncrypted) };
  }

  it('R21: decodes a case of the supervisor’s jurisdiction, and the audit trail names the case', async () => {
    const { id, body, payloads } = await payloadsOfNewCase();
    expect(
      payloads.every((p) => Buffer.from(p.metadata!['encryption-scope']!).toString() === `case-${id}`),
    ).toBe(true);
    const decoded = await codec('decode', 'supervisor.gusu', toJson(payloads));
    expect(decoded.statusCode).toBe(200);
    const plain = decoded
      .json()
      .payloads.map((p: { data: string }) => Buffer.from(p.data, 'base64').toString())
      .join('\n');
    expect(plain).toContain(body.person.idNumber);
    const trail = await system.as('supervisor.gusu', { method: 'GET', url: `/v1/audit?caseId=${id}` });
    expect(trail.json().items.map((e: { action: string }) => e.action)).toContain('payload.decode');
  });

  it('R21: a supervisor cannot decode a case of another jurisdiction (404), and the attempt is traced', async () => {
    const { id, body, payloads } = await payloadsOfNewCase('suzhou.wuzhong.changqiao');
    const refused = await codec('decode', 'supervisor.gusu', toJson(payloads));
    expect(refused.statusCode).toBe(404);
    expect(refused.body).not.toContain(body.person.idNumber);
    const city = await system.as('supervisor.city', { method: 'GET', url: `/v1/audit?caseId=${id}` });
    expect(city.json().items.map((e: { action: string }) => e.action)).toContain('payload.decode.denied');
  });

  it('R21: a scope tag moved onto another case’s ciphertext does not decode (422)', async () => {
    const mine = await payloadsOfNewCase();
    const theirs = await payloadsOfNewCase('suzhou.wuzhong.changqiao');
    const forged = theirs.payloads.map((p) => ({
      ...p,
      metadata: { ...p.metadata, 'encryption-scope': mine.payloads[0]!.metadata!['encryption-scope']! },
    }));
    const reply = await codec('decode', 'supervisor.gusu', toJson(forged));
    expect(reply.statusCode).toBe(422);
    expect(reply.body).not.toContain(theirs.body.person.idNumber);
  });

  it('returns a payload that is not its own unchanged, as Temporal’s codec protocol expects, and refuses payloads that name no case', async () => {
    const plain = { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64('"苏州市姑苏区"') }] };
    const unencrypted = await codec('decode', 'supervisor.city', plain);
    expect(unencrypted.statusCode).toBe(200);
    expect(unencrypted.json()).toEqual(plain);
    const encoded = await codec('encode', 'supervisor.gusu', plain, { 'x-namespace': 'default' });
    expect(encoded.statusCode).toBe(200);
    const [ciphertext] = encoded.json().payloads;
    expect(Buffer.from(ciphertext.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(ciphertext.data, 'base64').toString()).not.toContain('苏州市姑苏区');
    expect((await codec('decode', 'supervisor.city', encoded.json())).statusCode).toBe(404);
  });

  it('decodes a case’s own payloads beside the SDK’s plain marker payloads, with the query parameters the Temporal UI sends', async () => {
    const { body, payloads } = await payloadsOfNewCase();
    const marker = { metadata: { encoding: b64('binary/null') }, data: '' };
    const reply = await system.as('supervisor.gusu', {
      method: 'POST',
      url: '/codec/decode?preserveStorageRefs=true',
      payload: { payloads: [marker, ...toJson(payloads).payloads] },
    });
    expect(reply.statusCode).toBe(200);
    const [first, ...rest] = reply.json().payloads as { data: string }[];
    expect(first).toEqual(marker);
    expect(rest.map((p) => Buffer.from(p.data, 'base64').toString()).join('\n')).toContain(
      body.person.idNumber,
    );
    // Its own payloads are still decoded only within the caller's jurisdictions.
    const elsewhere = await payloadsOfNewCase('suzhou.wuzhong.changqiao');
    const refused = await system.as('supervisor.gusu', {
      method: 'POST',
      url: '/codec/decode?preserveStorageRefs=true',
      payload: { payloads: [marker, ...toJson(elsewhere.payloads).payloads] },
    });
    expect(refused.statusCode).toBe(404);
    expect(refused.body).not.toContain(elsewhere.body.person.idNumber);
  });

  it('takes `{}` as no payloads, as the Temporal CLI sends an empty list in protobuf JSON', async () => {
    const reply = await codec('decode', 'supervisor.gusu', {});
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ payloads: [] });
  });

  it('R21: needs a token (401) of a supervisor (403), and every decode is audited', async () => {
    const body = { payloads: [] };
    expect((await codec('decode', null, body)).statusCode).toBe(401);
    for (const username of ['liaison', 'worker.canglang', 'police.gusu']) {
      expect((await codec('decode', username, body)).statusCode).toBe(403);
    }
    const decodes = async () =>
      (await system.db.database.db.select().from(auditLog).where(eq(auditLog.action, 'payload.decode')))
        .length;
    const before = await decodes();
    await codec('decode', 'supervisor.city', body);
    expect(await decodes()).toBe(before + 1);
  });

  it('refuses a damaged payload with 422 problem+json', async () => {
    const { payloads } = await payloadsOfNewCase();
    const [first] = toJson(payloads.slice(0, 1)).payloads;
    const reply = await codec('decode', 'supervisor.gusu', {
      payloads: [{ ...first, data: Buffer.from('garbage-garbage-garbage-garbage').toString('base64') }],
    });
    expect(reply.statusCode).toBe(422);
    expect(reply.headers['content-type']).toContain('application/problem+json');
  });

  it('answers the Web UI’s CORS preflight from its origin, and not from another', async () => {
    const preflight = (origin: string) =>
      system.app.inject({
        method: 'OPTIONS',
        url: '/codec/decode',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization,x-namespace',
        },
      });
    const ui = await preflight('http://localhost:8233');
    expect(ui.statusCode).toBe(204);
    expect(ui.headers['access-control-allow-origin']).toBe('http://localhost:8233');
    expect(String(ui.headers['access-control-allow-headers'])).toContain('authorization');
    const other = await preflight('https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('the Temporal CLI reads a case’s history through the codec, as the README shows', () => {
  let codecEndpoint: string;
  beforeAll(async () => {
    await system.app.listen({ host: '127.0.0.1', port: 0 });
    codecEndpoint = `http://127.0.0.1:${(system.app.server.address() as AddressInfo).port}/codec`;
  });

  /** `temporal workflow show` of a case with the codec and these flags (a token, the output); its output or its failure. */
  async function show(id: string, flags: string[]): Promise<string> {
    try {
      const { stdout } = await promisify(execFile)(
        temporalBinaries().cli,
        [
          'workflow',
          'show',
          '--workflow-id',
          `case-${id}`,
          '--address',
          process.env.TEST_TEMPORAL_ADDRESS!,
          '--namespace',
          system.env.namespace ?? 'default',
          '--codec-endpoint',
          codecEndpoint,
          ...flags,
        ],
        { timeout: 30_000 },
      );
      // Protobuf JSON prints a payload's bytes in base64: read them as text.
      const data = [...stdout.matchAll(/"data": "([A-Za-z0-9+/=]*)"/g)].map((m) =>
        Buffer.from(m[1]!, 'base64').toString(),
      );
      return [stdout, ...data].join('\n');
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      return `failed: ${stdout}${stderr}`;
    }
  }

  it('a supervisor’s `temporal workflow show --codec-auth` prints the case’s input decoded; without the token it does not', async () => {
    const body = handover({ destination: 'suzhou.gusu.canglang' });
    const created = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: body });
    expect(created.statusCode).toBe(201);
    const id: string = created.json().id;
    const token = await system.tokenFor('supervisor.gusu');

    const decoded = await show(id, ['--codec-auth', `Bearer ${token}`, '--output', 'json']);
    expect(decoded).not.toMatch(/^failed/);
    expect(decoded).toContain(body.person.idNumber);
    // The README's command, as written: `--detailed`, the payloads printed as their JSON.
    const detailed = await show(id, ['--detailed', '--codec-auth', `Bearer ${token}`]);
    expect(detailed).not.toMatch(/^failed/);
    expect(detailed).toContain(body.person.idNumber);

    const withoutToken = await show(id, ['--output', 'json']);
    expect(withoutToken).not.toContain(body.person.idNumber);
  });
});
