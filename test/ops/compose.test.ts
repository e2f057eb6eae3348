import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig, type Mode } from '../../config/config';

// docker-compose.yml without Docker (none on this machine): every process it runs gets every key
// its configuration needs (validated by the same config/config.ts the process runs), secrets come
// from files that scripts/docker/make-secrets.sh writes in the right form, the application logs in
// as its least-privilege role, Temporal is set up as Temporal's own examples do it, and only the
// TLS proxy faces the network.

const root = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
};
interface Service {
  image?: string;
  build?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number>;
  secrets?: string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const MODES: Record<string, Mode> = {
  'dist/api/main.js': 'api',
  'dist/worker/main.js': 'worker',
  'dist/scripts/migrate.js': 'migrate',
};
const ours = Object.entries(compose.services).filter(([, service]) => service.build === '.');
const secretsDir = mkdtempSync(join(tmpdir(), 'rehab-secrets-'));
afterAll(() => rmSync(secretsDir, { recursive: true, force: true }));

/** The service's environment with compose's `${VAR:-default}` resolved and `${VAR:?}` refused. */
function environmentOf(name: string, service: Service): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, raw]) => {
      const value = String(raw).replace(
        /\$\{(\w+)(:-([^}]*))?(:\?[^}]*)?\}/g,
        (_all, variable, _d, fallback, required) => {
          if (required || fallback === undefined)
            throw new Error(`${name}.${key} needs ${variable} from the shell`);
          return fallback as string;
        },
      );
      return [key, value];
    }),
  );
}

/** Reads `/run/secrets/<name>` as the container would: only secrets the service mounts. */
const secretReader = (service: Service) => (path: string) => {
  const name = basename(path);
  if (!path.startsWith('/run/secrets/') || !service.secrets?.includes(name)) {
    throw new Error(`${path} is not mounted`);
  }
  return readFileSync(join(secretsDir, basename(compose.secrets[name]!.file)), 'utf8');
};

describe('docker-compose.yml', () => {
  beforeAll(() => {
    execFileSync('sh', [join(root, 'scripts', 'docker', 'make-secrets.sh')], {
      env: { ...process.env, SECRETS_DIR: secretsDir },
    });
  });

  it('runs the migration, the worker and the API from the built image, each with every key its configuration needs', () => {
    expect(ours.map(([, service]) => MODES[service.command?.[1] ?? ''])).toEqual(
      expect.arrayContaining(['migrate', 'worker', 'api']),
    );
    for (const [name, service] of ours) {
      expect(service.command?.[0]).toBe('node');
      const mode = MODES[service.command?.[1] ?? ''];
      if (!mode) throw new Error(`${name} runs ${String(service.command)}, which the test does not know`);
      expect(() => loadConfig(mode, environmentOf(name, service), secretReader(service))).not.toThrow();
    }
  });

  it('R21: keeps the token secret, the audit key, the payload keys and the database passwords in secret files, not in the environment', () => {
    for (const name of Object.keys(compose.secrets)) {
      expect(existsSync(join(secretsDir, basename(compose.secrets[name]!.file)))).toBe(true);
    }
    for (const [name, service] of ours) {
      const env = environmentOf(name, service);
      for (const key of ['TOKEN_SECRET', 'AUDIT_KEY', 'PAYLOAD_KEYS', 'DATABASE_URL', 'DATABASE_OWNER_URL']) {
        expect(env[key]).toBeUndefined();
      }
    }
    const api = compose.services.api!;
    const config = loadConfig('api', environmentOf('api', api), secretReader(api));
    expect(config.tokenSecret.length).toBeGreaterThanOrEqual(32);
    expect(config.auditKey.length).toBeGreaterThanOrEqual(32);
    expect(config.payloadKeys).toHaveLength(1);
  });

  it('R21: the API and the worker log in as the least-privilege role; only the migration uses the owner', () => {
    const user = (service: string) => {
      const s = compose.services[service]!;
      return new URL(loadConfig('migrate', environmentOf(service, s), secretReader(s)).databaseUrl).username;
    };
    expect(user('api')).toBe('rehab_app');
    expect(user('worker')).toBe('rehab_app');
    const migrate = compose.services.migrate!;
    const owner = loadConfig(
      'migrate',
      environmentOf('migrate', migrate),
      secretReader(migrate),
    ).databaseOwnerUrl;
    expect(new URL(owner ?? '').username).toBe('rehab_owner');
    const init = readFileSync(join(root, 'scripts', 'docker', 'init-databases.sh'), 'utf8');
    const appRole = init.split('\n').find((line) => line.startsWith('CREATE ROLE rehab_app '));
    expect(appRole).toMatch(/^CREATE ROLE rehab_app LOGIN PASSWORD '\$app_pw';$/);
    expect(init).not.toMatch(/GRANT [^;]*(CREATE|ALL)[^;]* TO rehab_app/);
    expect(init).toContain('CREATE DATABASE rehab OWNER rehab_owner');
    for (const service of ['api', 'worker']) {
      expect(compose.services[service]!.depends_on?.migrate?.condition).toBe(
        'service_completed_successfully',
      );
    }
  });

  it('sets Temporal up as its own examples do: temporalio/server, schemas by admin-tools, no auto-setup', () => {
    const images = Object.values(compose.services).map((service) => service.image ?? '');
    expect(images.some((image) => image.startsWith('temporalio/auto-setup'))).toBe(false);
    expect(compose.services.temporal!.image).toMatch(/^temporalio\/server:/);
    expect(compose.services['temporal-schema']!.image).toMatch(/^temporalio\/admin-tools:/);
    expect(compose.services.temporal!.depends_on?.['temporal-schema']?.condition).toBe(
      'service_completed_successfully',
    );
    // The schema and namespace scripts it mounts exist and are valid sh.
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('./')) continue;
        expect(existsSync(join(root, source))).toBe(true);
        if (source.endsWith('.sh')) execFileSync('sh', ['-n', join(root, source)]);
      }
    }
  });

  it('faces the network through the TLS proxy only', () => {
    const published = Object.entries(compose.services)
      .filter(([, service]) => (service.ports ?? []).some((port) => !port.startsWith('127.0.0.1:')))
      .map(([name]) => name);
    expect(published).toEqual(['proxy']);
    expect(compose.services.proxy!.ports).toContain('443:443');
    const caddyfile = readFileSync(join(root, 'scripts', 'docker', 'Caddyfile'), 'utf8');
    expect(caddyfile).toContain('reverse_proxy api:3000');
    expect(caddyfile).toContain('respond /metrics 404');
  });
});
