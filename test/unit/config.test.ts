import { readFileSync } from 'node:fs';
import { loadConfig } from '../../config/config';
import { formatDuration, parseDuration } from '../../config/duration';
import { loadPolicy, parsePolicy } from '../../config/policy';
import { POLICIES } from '../helpers/system';

describe('configuration', () => {
  it('runs on embedded defaults with nothing set', () => {
    const config = loadConfig('embedded', {});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000, temporalNamespace: 'default' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.temporalAddress).toBeUndefined();
  });

  it('stops the production API with a message naming every missing key', () => {
    expect(() => loadConfig('api', {})).toThrow(
      /DATABASE_URL: required for `npm run api`[\s\S]*TEMPORAL_ADDRESS: required[\s\S]*TOKEN_SECRET: required/,
    );
  });

  it('R21: the production API refuses to start without the audit key, and DATABASE_OWNER_URL must be a postgres URL', () => {
    expect(() => loadConfig('api', {})).toThrow(/AUDIT_KEY: required for `npm run api`/);
    expect(() => loadConfig('embedded', { AUDIT_KEY: 'short' })).toThrow(
      'AUDIT_KEY: must be at least 32 characters',
    );
    expect(() => loadConfig('embedded', { DATABASE_OWNER_URL: 'mysql://x' })).toThrow(
      'DATABASE_OWNER_URL: must be a postgres:// URL',
    );
    expect(loadConfig('embedded', { AUDIT_KEY: 'k'.repeat(32) }).auditKey).toBe('k'.repeat(32));
  });

  it('names a bad value and says what it must be', () => {
    expect(() =>
      loadConfig('worker', { DATABASE_URL: 'mysql://x', TEMPORAL_ADDRESS: '127.0.0.1:7233' }),
    ).toThrow('DATABASE_URL: must be a postgres:// URL');
    expect(() => loadConfig('embedded', { PORT: 'eighty' })).toThrow(/PORT: /);
    expect(() => loadConfig('embedded', { TOKEN_SECRET: 'short' })).toThrow(
      'TOKEN_SECRET: must be at least 32 characters',
    );
  });

  it('R21: production processes refuse to start without payload encryption keys, and name a bad one', () => {
    expect(() => loadConfig('worker', { DATABASE_URL: 'postgres://x', TEMPORAL_ADDRESS: 'h:7233' })).toThrow(
      'PAYLOAD_KEYS: required for `npm run worker`',
    );
    expect(() => loadConfig('api', {})).toThrow(/PAYLOAD_KEYS: required for `npm run api`/);
    expect(() => loadConfig('embedded', { PAYLOAD_KEYS: 'k1:c2hvcnQ=' })).toThrow(
      'PAYLOAD_KEYS: key k1 must be 32 bytes of base64',
    );
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig('embedded', { PAYLOAD_KEYS: `new:${key}, old:${key}` });
    expect(config.payloadKeys?.map((k) => k.id)).toEqual(['new', 'old']);
  });

  it('keeps the console offline for OFFLINE_KEEP_HOURS (12 h unless set; 0 keeps nothing) and names a bad value', () => {
    expect(loadConfig('embedded', {}).offlineKeepSeconds).toBe(12 * 3_600);
    expect(loadConfig('embedded', { OFFLINE_KEEP_HOURS: '0' }).offlineKeepSeconds).toBe(0);
    expect(loadConfig('embedded', { OFFLINE_KEEP_HOURS: '1.5' }).offlineKeepSeconds).toBe(5_400);
    expect(() => loadConfig('embedded', { OFFLINE_KEEP_HOURS: '100' })).toThrow(/OFFLINE_KEEP_HOURS: /);
  });

  it('allows the embedded Temporal Web UI to call the codec endpoint, or the origins given', () => {
    expect(loadConfig('embedded', { TEMPORAL_UI_PORT: '9000' }).codecCorsOrigins).toEqual([
      'http://127.0.0.1:9000',
      'http://localhost:9000',
    ]);
    expect(
      loadConfig('embedded', { CODEC_CORS_ORIGINS: 'https://temporal.example.org' }).codecCorsOrigins,
    ).toEqual(['https://temporal.example.org']);
    expect(() => loadConfig('embedded', { CODEC_CORS_ORIGINS: 'not an origin' })).toThrow(
      /CODEC_CORS_ORIGINS/,
    );
  });

  it('runs the worker unversioned unless both the deployment name and the build id are given', () => {
    expect(loadConfig('embedded', {}).deployment).toBeUndefined();
    expect(
      loadConfig('embedded', { TEMPORAL_DEPLOYMENT_NAME: 'case-follow-up', TEMPORAL_BUILD_ID: '2026.12.1' })
        .deployment,
    ).toEqual({ name: 'case-follow-up', buildId: '2026.12.1' });
    expect(() => loadConfig('embedded', { TEMPORAL_BUILD_ID: '2026.12.1' })).toThrow(
      'TEMPORAL_BUILD_ID: set TEMPORAL_DEPLOYMENT_NAME and TEMPORAL_BUILD_ID together, or neither',
    );
    expect(() => loadConfig('embedded', { TEMPORAL_DEPLOYMENT_NAME: 'a b', TEMPORAL_BUILD_ID: '1' })).toThrow(
      /TEMPORAL_DEPLOYMENT_NAME: must be letters/,
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig('embedded', { DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });
});

describe('policy documents (domain.md "Policy is data")', () => {
  it('loads both shipped policies', () => {
    expect(loadPolicy(POLICIES.standard).policy.version).toBe('standard-2026.4');
    expect(loadPolicy(POLICIES.accelerated).policy.version).toBe('accelerated-2026.4');
  });

  it('R3/R6: holds the report-in and first-visit deadlines in milliseconds', () => {
    const { policy } = loadPolicy(POLICIES.standard);
    expect(policy.deadlines.reportInWithin).toBe(15 * 86_400_000);
    expect(policy.deadlines.firstHomeVisitWithin).toBe(72 * 3_600_000);
  });

  it('the accelerated policy is the standard one with every duration divided by 86,400', () => {
    const standard = loadPolicy(POLICIES.standard).policy;
    const accelerated = loadPolicy(POLICIES.accelerated).policy;
    const pairs: [unknown, unknown, string][] = [];
    const walk = (a: unknown, b: unknown, path: string) => {
      if (a && typeof a === 'object') {
        for (const key of Object.keys(a)) walk((a as never)[key], (b as never)[key], `${path}.${key}`);
      } else pairs.push([a, b, path]);
    };
    walk(standard, accelerated, 'policy');
    const durations = pairs.filter(
      ([, , path]) =>
        !/version|title|unannouncedPerYear|testsRefused|leavesWithoutNotice|notify|personsPerCaseworker/.test(
          path,
        ),
    );
    expect(durations.length).toBeGreaterThan(20);
    // Within a millisecond: the accelerated file keeps three decimals of a second.
    const off = durations.filter(
      ([real, fast]) => Math.abs((real as number) / 86_400 - (fast as number)) > 1,
    );
    expect(off).toEqual([]);
    expect(accelerated.deadlines.reportInWithin).toBe(15_000);
  });

  it('names the bad key of an invalid policy', () => {
    const document = JSON.parse(readFileSync(POLICIES.standard, 'utf8'));
    document.deadlines.pickupGrace = 'P1M';
    document.tests.stable[1].until = 'P10D';
    delete document.caseload;
    expect(() => parsePolicy(document, 'broken.json')).toThrow(
      /deadlines\.pickupGrace: "P1M" is not an ISO-8601 duration[\s\S]*tests\.stable\.1\.until: periods must be in increasing order[\s\S]*caseload: /,
    );
  });

  it('says when the policy file is missing or not JSON', () => {
    expect(() => loadPolicy('/nonexistent/policy.json')).toThrow(
      'POLICY: cannot read /nonexistent/policy.json: ENOENT',
    );
    expect(() => loadPolicy(__filename)).toThrow(/is not valid JSON/);
  });
});

describe('durations', () => {
  it.each([
    ['P3D', 259_200_000],
    ['PT72H', 259_200_000],
    ['P2W', 1_209_600_000],
    ['PT0.5S', 500],
    ['P1DT2H3M4S', 93_784_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['P1M', 'P1Y', 'P', 'PT', '3D', 'P-1D'])('refuses %s (no calendar units, no sign)', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('formats back to the same length', () => {
    for (const text of ['P3D', 'PT4H', 'P1DT2H3M4S', 'PT0.167S', 'PT0S']) {
      expect(parseDuration(formatDuration(parseDuration(text)!))).toBe(parseDuration(text));
    }
  });

  it('R21: reads the secrets from files (*_FILE) and names a file it cannot read', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const files: Record<string, string> = {
      '/run/secrets/token': `${'s'.repeat(40)}\n`,
      '/run/secrets/keys': `k1:${key}\n`,
      '/run/secrets/audit': `${'a'.repeat(40)}\n`,
    };
    const read = (path: string) => {
      const text = files[path];
      if (text === undefined) throw new Error('ENOENT');
      return text;
    };
    const env = {
      DATABASE_URL: 'postgres://app@db/rehab',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TOKEN_SECRET_FILE: '/run/secrets/token',
      PAYLOAD_KEYS_FILE: '/run/secrets/keys',
      AUDIT_KEY_FILE: '/run/secrets/audit',
    };
    const config = loadConfig('api', env, read);
    expect(config.tokenSecret).toBe('s'.repeat(40));
    expect(config.auditKey).toBe('a'.repeat(40));
    expect(config.payloadKeys.map((k) => k.id)).toEqual(['k1']);
    expect(() => loadConfig('api', { ...env, TOKEN_SECRET_FILE: '/run/secrets/missing' }, read)).toThrow(
      'TOKEN_SECRET_FILE: cannot read /run/secrets/missing',
    );
    expect(() => loadConfig('api', { ...env, TOKEN_SECRET: 's'.repeat(40) }, read)).toThrow(
      'TOKEN_SECRET_FILE: set TOKEN_SECRET or TOKEN_SECRET_FILE, not both',
    );
  });

  it('runs migrations as the owner when DATABASE_OWNER_URL is given, and needs only a database otherwise', () => {
    expect(() => loadConfig('migrate', {})).toThrow('DATABASE_URL: required for `npm run migrate`');
    const config = loadConfig('migrate', {
      DATABASE_URL: 'postgres://app@db/rehab',
      DATABASE_OWNER_URL: 'postgres://owner@db/rehab',
    });
    expect(config.databaseOwnerUrl).toBe('postgres://owner@db/rehab');
  });
});
