// `npm run import -- FILE [--dry-run]`: imports a caseload already under way (R25) through the
// running API, as a supervisor, and shows progress with an ETA. The API does the work (and
// resumes it if it restarts); this only sends the file and follows the job.
//   IMPORT_API       the API's base URL (default http://127.0.0.1:3000)
//   IMPORT_USER      a supervisor's username;  IMPORT_PASSWORD  their password
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { runMain } from '../config/run-main';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

interface InvalidRow {
  row: number;
  errors: { column: string; message: string }[];
}

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: npm run import -- FILE.csv|FILE.xlsx [--dry-run]\n`);
  process.exit(2);
}

function eta(done: number, total: number, elapsedMs: number): string {
  if (done === 0) return 'ETA …';
  const seconds = Math.round(((total - done) * elapsedMs) / done / 1000);
  return seconds >= 60 ? `ETA ${Math.floor(seconds / 60)} min ${seconds % 60} s` : `ETA ${seconds} s`;
}

function printInvalid(invalid: InvalidRow[]): void {
  for (const row of invalid.slice(0, 50))
    process.stdout.write(`  row ${row.row}: ${row.errors.map((e) => e.message).join('; ')}\n`);
  if (invalid.length > 50) process.stdout.write(`  … and ${invalid.length - 50} more rows\n`);
}

runMain(async () => {
  const args = process.argv.slice(2);
  const dryRun = args.includes('--dry-run');
  const file = args.find((a) => !a.startsWith('--')) ?? usage('which file?');
  const api = (process.env.IMPORT_API ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const username = process.env.IMPORT_USER ?? usage('set IMPORT_USER (a supervisor) and IMPORT_PASSWORD');
  const password = process.env.IMPORT_PASSWORD ?? usage('set IMPORT_PASSWORD');
  const body = await readFile(file);
  const type = extname(file).toLowerCase() === '.xlsx' ? XLSX_TYPE : 'text/csv';

  const login = await fetch(`${api}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!login.ok) throw new Error(`login refused (${login.status})`);
  const { token } = (await login.json()) as { token: string };
  const auth = { authorization: `Bearer ${token}` };

  const sent = await fetch(`${api}/v1/imports${dryRun ? '?dryRun=true' : ''}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': type },
    body,
  });
  const reply = (await sent.json()) as Record<string, unknown>;
  if (!sent.ok) throw new Error(`the import was refused (${sent.status}): ${String(reply.detail)}`);

  if (dryRun) {
    const invalid = reply.invalid as InvalidRow[];
    const open = reply.alreadyOpen as number[];
    process.stdout.write(
      `${String(reply.total)} rows: ${String(reply.valid)} valid (${open.length} already have an open case and will be skipped), ${invalid.length} invalid\n`,
    );
    printInvalid(invalid);
    process.exitCode = invalid.length ? 1 : 0;
    return;
  }

  const id = String(reply.id);
  process.stdout.write(`import ${id}\n`);
  const started = Date.now();
  for (;;) {
    const view = (await (await fetch(`${api}/v1/imports/${id}`, { headers: auth })).json()) as {
      status: string;
      total: number;
      created: number;
      skipped: number;
      pending: number;
      invalid: InvalidRow[];
    };
    const done = view.total - view.pending;
    const line = `${done}/${view.total} rows · created ${view.created} · skipped ${view.skipped} · invalid ${view.invalid.length}`;
    if (view.status !== 'running') {
      process.stdout.write(`\r${line} · ${view.status} in ${Math.round((Date.now() - started) / 1000)} s\n`);
      printInvalid(view.invalid);
      process.exitCode = view.status === 'done' ? 0 : 1;
      return;
    }
    process.stdout.write(`\r${line} · ${eta(done, view.total, Date.now() - started)}   `);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
});
