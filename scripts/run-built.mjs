#!/usr/bin/env node
// `npm run api|worker|migrate`: the production processes run the build in dist/. Without a build,
// say what to do instead of Node's "Cannot find module".
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = process.argv[2];
const script = process.env.npm_lifecycle_event ? `npm run ${process.env.npm_lifecycle_event}` : entry;
const built = entry ? join(root, 'dist', entry) : join(root, 'dist');

if (!entry || !existsSync(built)) {
  process.stderr.write(
    `${script ?? 'run-built'}: ${relative(process.cwd(), built)} is not built.\n` +
      'Run `npm run build` first (the production processes run the build in dist/),\n' +
      'or `npm start` for the whole system on embedded defaults.\n',
  );
  process.exit(1);
}
// The process's own argument list, as if `node dist/<entry>` had been run.
process.argv.splice(1, 2, built);
await import(pathToFileURL(built).href);
