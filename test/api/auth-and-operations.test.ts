import { createHmac, randomBytes } from 'node:crypto';
import { startTestSystem, type TestSystem } from '../helpers/system';

/** An HS256 token signed with a key the API does not know. */
function forge(claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', 'another-secret-another-secret-another').update(unsigned).digest('base64url')}`;
}

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(async () => {
  await system?.close();
});

const login = (payload: object) => system.app.inject({ method: 'POST', url: '/v1/auth/login', payload });

describe('logging in (POST /v1/auth/login)', () => {
  it.each([
    ['liaison', 'liaison', ['suzhou']],
    ['worker.canglang', 'caseworker', ['suzhou.gusu.canglang']],
    ['worker.changqiao', 'caseworker', ['suzhou.wuzhong.changqiao']],
    ['supervisor.gusu', 'supervisor', ['suzhou.gusu']],
    ['supervisor.city', 'supervisor', ['suzhou']],
    ['police.gusu', 'police', ['suzhou.gusu']],
  ])('the demo user %s logs in as %s of %j', async (username, role, jurisdictions) => {
    const reply = await login({ username, password: 'demo-password' });
    expect(reply.statusCode).toBe(200);
    const body = reply.json();
    expect(body.token).toEqual(expect.any(String));
    expect(body.user).toMatchObject({ username, role, jurisdictions });
    expect(new Date(body.expiresAt).getTime()).toBeGreaterThan(Date.now());
    // How long the console may keep the inbox and cases for offline reading (issue 18): 12 h by default.
    expect(body.offline).toEqual({ keepSeconds: 12 * 3_600 });
  });

  it("gives the console its outbox key for this user on this browser: the same at each login, another user's or browser's differs", async () => {
    const phone = randomBytes(24).toString('base64url');
    const desk = randomBytes(24).toString('base64url');
    const key = async (username: string, device: string) => {
      const reply = await login({ username, password: 'demo-password', device });
      expect(reply.statusCode).toBe(200);
      return reply.json().offline.vaultKey as string;
    };
    const first = await key('worker.canglang', phone);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(first, 'base64url')).toHaveLength(32);
    expect(await key('worker.canglang', phone)).toBe(first);
    const others = [
      await key('worker.changqiao', phone),
      await key('worker.canglang', desk),
      await key('supervisor.gusu', phone),
    ];
    expect(new Set([first, ...others]).size).toBe(4);
    // Without a device id (an older console, curl) there is no key, and a malformed one is refused.
    const plain = await login({ username: 'worker.canglang', password: 'demo-password' });
    expect(plain.json().offline).toEqual({ keepSeconds: 12 * 3_600 });
    const bad = await login({ username: 'worker.canglang', password: 'demo-password', device: 'a/b' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toContain('body.device');
  });

  it("/openapi.json documents the login's device id and the outbox key of its reply", async () => {
    const document = (await system.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const resolve = (schema: { $ref?: string }) =>
      schema.$ref ? document.components.schemas[schema.$ref.split('/').pop()!] : schema;
    const login = document.paths['/v1/auth/login'].post;
    const body = resolve(login.requestBody.content['application/json'].schema);
    expect(body.properties.device).toMatchObject({ type: 'string', pattern: expect.any(String) });
    expect(body.properties.device.description).toMatch(/vaultKey/);
    expect(body.required).not.toContain('device');
    const reply = resolve(login.responses['200'].content['application/json'].schema);
    const offline = resolve(reply.properties.offline);
    expect(offline.required).toEqual(['keepSeconds']);
    expect(offline.properties.vaultKey).toMatchObject({ type: 'string' });
    expect(offline.properties.vaultKey.description).toMatch(
      /derived on the server from the user and the device/,
    );
  });

  it('answers a wrong password and an unknown user alike, with 401', async () => {
    const wrong = await login({ username: 'liaison', password: 'guess' });
    const unknown = await login({ username: 'nobody', password: 'guess' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toBe(unknown.body);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
  });

  it.each([
    ['a missing password', { username: 'liaison' }, 'body.password'],
    ['an unknown field', { username: 'liaison', password: 'x', remember: true }, 'body'],
    ['a number for a username', { username: 42, password: 'x' }, 'body.username'],
  ])('refuses %s with 422', async (_, payload, path) => {
    const reply = await login(payload);
    expect(reply.statusCode).toBe(422);
    expect(reply.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });
});

describe('tokens and roles', () => {
  it('refuses a request without a token with 401', async () => {
    const reply = await system.app.inject({ method: 'GET', url: '/v1/cases' });
    expect(reply.statusCode).toBe(401);
    expect(reply.json()).toMatchObject({ status: 401, title: 'Not authenticated' });
  });

  it('refuses a token signed with another secret, and an expired one', async () => {
    const claims = { sub: 'x', username: 'liaison', role: 'supervisor' as const, jurisdictions: ['suzhou'] };
    const forged = forge(claims);
    const expired = system.app.jwt.sign(claims, { expiresIn: -10 });
    for (const token of [forged, expired, 'not.a.token']) {
      const reply = await system.app.inject({
        method: 'GET',
        url: '/v1/cases',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(reply.statusCode).toBe(401);
    }
  });

  // Assigning is for supervisors only (opening a case is no longer: police and caseworkers register police orders).
  const ASSIGN = '/v1/cases/00000000-0000-4000-8000-000000000000/assign';

  it('refuses a role the route does not name with 403', async () => {
    const reply = await system.as('police.gusu', { method: 'POST', url: ASSIGN, payload: {} });
    expect(reply.statusCode).toBe(403);
    expect(reply.json().detail).toBe('the police role may not do this');
  });

  it('checks the role before the body: a caseworker learns nothing from validation', async () => {
    const reply = await system.as('worker.canglang', { method: 'POST', url: ASSIGN, payload: { bad: 1 } });
    expect(reply.statusCode).toBe(403);
  });
});

describe('operations', () => {
  it('/healthz answers while the process is up', async () => {
    const reply = await system.app.inject({ method: 'GET', url: '/healthz' });
    expect(reply.json()).toEqual({ status: 'ok' });
  });

  it('/readyz reports the database and Temporal reachable', async () => {
    const reply = await system.app.inject({ method: 'GET', url: '/readyz' });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ status: 'ready', database: 'postgres', temporal: 'reachable' });
  });

  it('/openapi.json documents every route of the slice, generated from the schemas', async () => {
    const reply = await system.app.inject({ method: 'GET', url: '/openapi.json' });
    const document = reply.json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/auth/login',
        '/v1/cases',
        '/v1/cases/{id}',
        '/v1/policies/current',
        '/readyz',
      ]),
    );
    const create = document.paths['/v1/cases'].post;
    expect(create.requestBody.content['application/json'].schema).toBeDefined();
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '409', '422']));
  });

  it('/docs serves the Swagger UI', async () => {
    const reply = await system.app.inject({ method: 'GET', url: '/docs/' });
    expect(reply.statusCode).toBe(200);
    expect(reply.body).toContain('swagger-ui');
  });

  it('sends security headers', async () => {
    const reply = await system.app.inject({ method: 'GET', url: '/healthz' });
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('answers an unknown route with a problem+json 404', async () => {
    const reply = await system.app.inject({ method: 'GET', url: '/v1/nothing-here?q=secret' });
    expect(reply.statusCode).toBe(404);
    expect(reply.json()).toEqual({
      type: 'https://httpstatuses.io/404',
      title: 'Not found',
      status: 404,
      code: 'not_found',
      detail: 'no route GET /v1/nothing-here',
    });
  });

  it('GET /v1/jurisdictions names every place and marks those within the caller’s', async () => {
    const reply = await system.as('worker.canglang', { method: 'GET', url: '/v1/jurisdictions' });
    expect(reply.statusCode).toBe(200);
    const items = reply.json().items as { code: string; name: string; mine: boolean }[];
    expect(items.find((j) => j.code === 'suzhou.gusu.canglang')).toEqual({
      code: 'suzhou.gusu.canglang',
      name: '沧浪街道',
      parentCode: 'suzhou.gusu',
      mine: true,
    });
    expect(items.filter((j) => j.mine).map((j) => j.code)).toEqual(['suzhou.gusu.canglang']);
    const city = await system.as('liaison', { method: 'GET', url: '/v1/jurisdictions' });
    expect(city.json().items.every((j: { mine: boolean }) => j.mine)).toBe(true);
  });

  it('GET /v1/policies/current returns the policy in force as written', async () => {
    const reply = await system.as('worker.canglang', { method: 'GET', url: '/v1/policies/current' });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toMatchObject({
      version: 'standard-2026.4',
      document: { deadlines: { reportInWithin: 'P15D', firstHomeVisitWithin: 'PT72H' } },
    });
  });
});

describe('the web console at /', () => {
  it('serves the page with its script and stylesheet, built by this process', async () => {
    const page = await system.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.body).toContain('<html lang="zh-CN">');
    const script = /src="(\/assets\/app-\w+\.js)"/.exec(page.body)![1]!;
    const style = /href="(\/assets\/app-\w+\.css)"/.exec(page.body)![1]!;

    const js = await system.app.inject({ method: 'GET', url: script });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.body).toContain('社区戒毒康复随访');
    const css = await system.app.inject({ method: 'GET', url: style });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    // Its own files only: no inline script, no other origin, not framed.
    expect(page.headers['content-security-policy']).toContain("script-src 'self';");
    expect(page.headers['content-security-policy']).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('installs as a web app: a manifest in Chinese with PNG icons, and a service worker for the whole console', async () => {
    const page = await system.app.inject({ method: 'GET', url: '/' });
    expect(page.body).toContain('<link rel="manifest" href="/manifest.webmanifest" />');
    expect(page.headers['content-security-policy']).toContain("worker-src 'self'");
    expect(page.headers['content-security-policy']).toContain("manifest-src 'self'");

    const manifest = await system.app.inject({ method: 'GET', url: '/manifest.webmanifest' });
    expect(manifest.headers['content-type']).toBe('application/manifest+json; charset=utf-8');
    const body = manifest.json();
    expect(body).toMatchObject({
      name: '社区戒毒康复随访',
      start_url: '/',
      scope: '/',
      display: 'standalone',
    });
    for (const size of [192, 512]) {
      const icon = await system.app.inject({ method: 'GET', url: `/icons/icon-${size}.png` });
      expect(icon.headers['content-type']).toBe('image/png');
      expect(icon.rawPayload.subarray(1, 4).toString()).toBe('PNG');
      expect(icon.rawPayload.readUInt32BE(16)).toBe(size); // IHDR width
    }

    // The worker knows this build's shell by name, and nothing of the API.
    const worker = await system.app.inject({ method: 'GET', url: '/sw.js' });
    expect(worker.statusCode).toBe(200);
    expect(worker.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(worker.headers['cache-control']).toBe('no-cache');
    const script = /src="(\/assets\/app-\w+\.js)"/.exec(page.body)![1]!;
    expect(worker.body).toContain(script);
    expect(worker.body).not.toContain('/v1');
  });

  it('answers an unknown asset with a problem+json 404', async () => {
    const reply = await system.app.inject({ method: 'GET', url: '/assets/app-NOPE.js' });
    expect(reply.statusCode).toBe(404);
    expect(reply.headers['content-type']).toContain('application/problem+json');
  });
});
