import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm run api|worker|migrate` run the build in dist/. On a fresh clone there is none: the operator
// must be told what to do, not shown Node's "Cannot find module".

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'rehab-run-built-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A checkout with the launcher and, optionally, a built entry that reports how it was run. */
function checkout(name: string, built: boolean): string {
  const app = join(dir, name);
  mkdirSync(join(app, 'scripts'), { recursive: true });
  copyFileSync(join(root, 'scripts', 'run-built.mjs'), join(app, 'scripts', 'run-built.mjs'));
  if (built) {
    mkdirSync(join(app, 'dist', 'api'), { recursive: true });
    writeFileSync(
      join(app, 'dist', 'api', 'main.js'),
      'process.stdout.write(JSON.stringify(process.argv.slice(1))); process.exitCode = 3;\n',
    );
  }
  return app;
}

const launch = (app: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(app, 'scripts', 'run-built.mjs'), ...args], {
    cwd: app,
    encoding: 'utf8',
    env: { ...process.env, npm_lifecycle_event: 'api' },
  });

describe('npm run api / worker / migrate', () => {
  it('package.json runs the production processes through the launcher', () => {
    const scripts = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts).toMatchObject({
      api: 'node scripts/run-built.mjs api/main.js',
      worker: 'node scripts/run-built.mjs worker/main.js',
      migrate: 'node scripts/run-built.mjs scripts/migrate.js',
    });
  });

  it('without a build says to run `npm run build` first (or `npm start`), not "Cannot find module"', () => {
    const result = launch(checkout('fresh', false), 'api/main.js');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('npm run api: dist/api/main.js is not built');
    expect(result.stderr).toContain('Run `npm run build` first');
    expect(result.stderr).toContain('`npm start`');
    expect(result.stderr).not.toMatch(/Cannot find module|at Module\./);
  });

  it('with a build runs the built entry as `node dist/<entry>` would, arguments and exit code included', () => {
    const app = checkout('built', true);
    const result = launch(app, 'api/main.js', '--flag');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual([join(app, 'dist', 'api', 'main.js'), '--flag']);
  });
});
