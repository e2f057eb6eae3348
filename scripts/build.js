#!/usr/bin/env node
// `npm run build`: the production build in dist/ — the TypeScript compiled to JavaScript
// (tsconfig.build.json), the files the processes read beside their code (migrations, the web
// console's sources, which the API bundles on its first request), and the workflow bundle, so
// the worker starts without bundling. Then `npm prune --omit=dev` leaves what production needs.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

async function main() {
  fs.rmSync(dist, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  fs.cpSync(path.join(root, 'db', 'migrations'), path.join(dist, 'db', 'migrations'), { recursive: true });
  fs.cpSync(path.join(root, 'web'), path.join(dist, 'web'), { recursive: true });
  // Plain CommonJS that tsc does not compile: the fonts' paths (the printed forms read them), and
  // the installer, where the built scripts find the pinned Temporal binaries.
  fs.cpSync(path.join(root, 'config', 'fonts.js'), path.join(dist, 'config', 'fonts.js'));
  fs.cpSync(path.join(root, 'scripts', 'ensure.js'), path.join(dist, 'scripts', 'ensure.js'));
  const { bundleWorkflows } = require(path.join(dist, 'worker', 'worker.js'));
  fs.writeFileSync(path.join(dist, 'workflow-bundle.js'), await bundleWorkflows());
  process.stderr.write('[build] dist/ is ready: npm run migrate, npm run worker, npm run api\n');
}

main().catch((error) => {
  process.stderr.write(`[build] failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
