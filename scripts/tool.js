#!/usr/bin/env node
// `npm run seed|admin|audit:verify|import`: the operator's tools, one launcher. In a development
// checkout (tsx installed) the TypeScript source runs; on a production host, where `npm prune
// --omit=dev` has removed tsx, the build's JavaScript in dist/ does. Same arguments either way.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const [name, ...args] = process.argv.slice(2);

function tsxCli() {
  try {
    return require.resolve('tsx/cli', { paths: [root] });
  } catch {
    return null;
  }
}

const tsx = tsxCli();
const built = path.join(root, 'dist', 'scripts', `${name}.js`);
const command = tsx ? [tsx, path.join(root, 'scripts', `${name}.ts`), ...args] : [built, ...args];
if (!tsx && !existsSync(built)) {
  process.stderr.write(`${name}: not built; run npm run build first\n`);
  process.exit(1);
}
const result = spawnSync(process.execPath, command, { stdio: 'inherit' });
process.exit(result.status ?? 1);
