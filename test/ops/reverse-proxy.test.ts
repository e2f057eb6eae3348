import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { hashPassword } from '../../api/passwords';
import { LOGIN_THROTTLE } from '../../api/routes/auth';
import { formatPayloadKey } from '../../codec/encryption-codec';
import { loginAttempts } from '../../db/schema';
import { upsertUser } from '../../db/users';
import { spawnTsx, sleep, type Proc } from '../faults/harness';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { freePort } from '../helpers/net';
import { POLICIES, TEST_AUDIT_KEY, TEST_PAYLOAD_KEY } from '../helpers/system';

// api.md v1.2 "Where a login comes from" and "Throttling that cannot be turned against users",
// behind the compose file's own proxy: Caddy (Debian's, `node scripts/ensure.js --proxy`) runs
// scripts/docker/Caddyfile in front of a real API process (`api/main.ts`) with TRUST_PROXY set, and
// clients connect from distinct loopback source addresses (Linux routes all of 127.0.0.0/8 to lo),
// as people at different offices would. A second API process without TRUST_PROXY is asked
// directly, as `npm run api` is without a proxy.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CADDY } = require('../../scripts/ensure.js') as { CADDY: string };
const root = join(__dirname, '..', '..');
const PASSWORD = 'a long enough passphrase 7';
const tokenSecret = randomUUID() + randomUUID();

let db: TestDatabase;
let dir: string;
let caddy: ChildProcess | undefined;
const apis: Proc[] = [];
let proxied: string;
let direct: string;

async function startApi(extra: NodeJS.ProcessEnv): Promise<string> {
  const port = await freePort();
  const proc = await spawnTsx(
    'api/main.ts',
    {
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: db.appUrl,
      TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
      POLICY: POLICIES.standard,
      TOKEN_SECRET: tokenSecret,
      AUDIT_KEY: TEST_AUDIT_KEY,
      PAYLOAD_KEYS: formatPayloadKey(TEST_PAYLOAD_KEY),
      LOG_LEVEL: 'info',
      TRUST_PROXY: '',
      ...extra,
    },
    'Server listening',
  );
  apis.push(proc);
  if (!proc.running()) throw new Error(`the API did not start:\n${proc.output()}`);
  return `127.0.0.1:${port}`;
}

async function startCaddy(upstream: string): Promise<string> {
  const port = await freePort();
  // The compose file's Caddyfile as it is, with this API as its upstream, Caddy's admin endpoint
  // off, plain HTTP, loopback only.
  const compose = readFileSync(join(root, 'scripts', 'docker', 'Caddyfile'), 'utf8');
  expect(compose).toContain('reverse_proxy api:3000 ');
  const caddyfile = join(dir, 'Caddyfile');
  writeFileSync(
    caddyfile,
    `{\n\tadmin off\n\tauto_https off\n\tdefault_bind 127.0.0.1\n}\n\n${compose.replace('reverse_proxy api:3000 ', `reverse_proxy ${upstream} `)}`,
  );
  let output = '';
  caddy = spawn(CADDY, ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_DATA_HOME: join(dir, 'data'),
      XDG_CONFIG_HOME: join(dir, 'config'),
      SITE_ADDRESS: `http://127.0.0.1:${port}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  caddy.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  caddy.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const base = `127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const health = await call(base, 'GET', '/healthz').catch(() => null);
    if (health?.status === 200) return base;
    if (Date.now() > deadline || caddy.exitCode !== null) throw new Error(`Caddy did not start:\n${output}`);
    await sleep(100);
  }
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json(): { token?: string; code?: string };
}

/** One HTTP request on a connection of its own, from the given loopback source address. */
function call(
  base: string,
  method: string,
  path: string,
  options: { from?: string; body?: object; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const [host, port] = base.split(':');
  const body = options.body ? JSON.stringify(options.body) : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: Number(port),
        method,
        path,
        localAddress: options.from ?? '127.0.0.1',
        agent: false,
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, json: () => JSON.parse(text) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const login = (base: string, from: string, username: string, password: string, headers = {}) =>
  call(base, 'POST', '/v1/auth/login', { from, body: { username, password }, headers });

async function newUser(): Promise<string> {
  const username = `proxy.${randomUUID().slice(0, 8)}`;
  await upsertUser(db.database.db, {
    username,
    displayName: '测试社工',
    role: 'caseworker',
    passwordHash: await hashPassword(PASSWORD),
    jurisdictions: ['suzhou.gusu.canglang'],
  });
  return username;
}

/** The addresses the API recorded login attempts for this user under. */
async function addressesOf(username: string): Promise<string[]> {
  const tag = createHmac('sha256', tokenSecret).update(username).digest('base64url').slice(0, 16);
  const rows = await db.database.db
    .select({ address: loginAttempts.address })
    .from(loginAttempts)
    .where(eq(loginAttempts.userTag, tag));
  return [...new Set(rows.map((row) => row.address))].sort();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rehab-proxy-'));
  db = await createTestDatabase({ appRole: true });
  const behind = await startApi({ TRUST_PROXY: '127.0.0.1' });
  direct = await startApi({});
  proxied = await startCaddy(behind);
}, 180_000);

afterAll(async () => {
  caddy?.kill('SIGTERM');
  for (const api of apis) {
    if (api.running()) {
      api.child.kill('SIGTERM');
      await api.exited;
    }
  }
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('behind the compose file’s reverse proxy (Caddy) with TRUST_PROXY', () => {
  it('says at start which proxies it trusts', () => {
    expect(apis[0]!.output()).toContain('client addresses from X-Forwarded-For through the proxies');
    expect(apis[1]!.output()).toContain('no reverse proxy trusted (TRUST_PROXY unset)');
  });

  it('tells two clients behind the proxy apart by the address Caddy forwards, and a client cannot choose its own', async () => {
    const username = await newUser();
    expect((await login(proxied, '127.0.0.21', username, PASSWORD)).status).toBe(200);
    expect((await login(proxied, '127.0.0.22', username, 'wrong guess')).status).toBe(401);
    // A header the client sends is replaced by Caddy with the address it sees.
    const spoofed = await login(proxied, '127.0.0.23', username, 'another guess', {
      'x-forwarded-for': '203.0.113.9',
    });
    expect(spoofed.status).toBe(401);
    expect(await addressesOf(username)).toEqual(['127.0.0.21', '127.0.0.22', '127.0.0.23']);
  });

  it('R32: an attacker failing on a user’s name from many addresses and spraying every name locks out neither that user at their office nor anyone else', async () => {
    const victim = await newUser();
    const colleague = await newUser();
    expect((await login(proxied, '127.0.0.5', victim, PASSWORD)).status).toBe(200);
    // Brute force on the victim from ten addresses, past the per-user limit…
    for (let i = 0; i < LOGIN_THROTTLE.user + 10; i++) {
      await login(proxied, `127.0.0.${60 + (i % 10)}`, victim, `guess ${i}`);
    }
    // …and spraying a common password over many names from one of them.
    for (let i = 0; i < LOGIN_THROTTLE.address + 5; i++) {
      await login(proxied, '127.0.0.66', `someone.${i}`, 'Summer2026!');
    }
    const attacker = await login(proxied, '127.0.0.66', victim, PASSWORD);
    expect(attacker.status).toBe(429);
    expect(attacker.json()).toMatchObject({ code: 'rate_limited' });
    expect(Number(attacker.headers['retry-after'])).toBeGreaterThan(0);
    // A new address gets nowhere with the victim's name…
    expect((await login(proxied, '127.0.0.8', victim, PASSWORD)).status).toBe(429);
    // …but the victim at their office logs in and works, and everyone else is untouched.
    const mine = await login(proxied, '127.0.0.5', victim, PASSWORD);
    expect(mine.status).toBe(200);
    const cases = await call(proxied, 'GET', '/v1/cases', {
      from: '127.0.0.5',
      headers: { authorization: `Bearer ${mine.json().token}` },
    });
    expect(cases.status).toBe(200);
    expect((await login(proxied, '127.0.0.7', colleague, PASSWORD)).status).toBe(200);
    expect((await call(proxied, 'GET', '/healthz', { from: '127.0.0.66' })).status).toBe(200);
  }, 120_000);

  it('R32: 30 guesses sent at once are all counted: no more than the limit have their password checked', async () => {
    const username = await newUser();
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login(proxied, '127.0.0.90', username, `parallel guess ${i}`)),
    );
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(LOGIN_THROTTLE.pair);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30 - LOGIN_THROTTLE.pair);
    expect((await login(proxied, '127.0.0.91', username, PASSWORD)).status).toBe(200);
  });
});

describe('without TRUST_PROXY', () => {
  it('ignores a client’s X-Forwarded-For: the address counted is the connection’s', async () => {
    const username = await newUser();
    for (let i = 0; i < LOGIN_THROTTLE.pair; i++) {
      const reply = await login(direct, '127.0.0.70', username, `guess ${i}`, {
        'x-forwarded-for': `198.51.100.${i}`,
      });
      expect(reply.status).toBe(401);
    }
    // A fresh X-Forwarded-For does not make a fresh address: that pair is held.
    const held = await login(direct, '127.0.0.70', username, PASSWORD, {
      'x-forwarded-for': '198.51.100.200',
    });
    expect(held.status).toBe(429);
    expect(await addressesOf(username)).toEqual(['127.0.0.70']);
    expect((await login(direct, '127.0.0.71', username, PASSWORD)).status).toBe(200);
  });
});
