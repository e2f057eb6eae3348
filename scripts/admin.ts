// `npm run admin -- …`: jurisdictions and users for a production deployment, in DATABASE_URL (or
// the embedded database in DATA_DIR). Passwords are read from stdin or a prompt, never argv
// (argv shows in `ps` and shell history).
//   npm run admin -- jurisdiction add <code> <name>
//   npm run admin -- user add <username> --role <role> --jurisdiction <code> [--jurisdiction …] --display-name <name>
//   npm run admin -- user disable <username>
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { hashPassword } from '../api/passwords';
import { loadConfig } from '../config/config';
import { openDatabase } from '../db/client';
import { addJurisdiction, addUser, disableUser, type AdminResult } from '../db/admin';
import { JurisdictionCode, ROLES, type Role } from '../schemas/common';
import { runMain } from '../config/run-main';

const USAGE = `usage:
  npm run admin -- jurisdiction add <code> <name>
  npm run admin -- user add <username> --role <${ROLES.join('|')}> --jurisdiction <code> [--jurisdiction <code> …] --display-name <name>
  npm run admin -- user disable <username>
The password of a new user is read from stdin (one line) or asked for at the terminal.`;

export const MIN_PASSWORD_LENGTH = 12;

class UsageError extends Error {}

/** One line from stdin; at a terminal, asked for without echo. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) return line;
    return '';
  }
  process.stdout.write('password: ');
  process.stdin.setRawMode(true);
  let typed = '';
  try {
    for await (const chunk of process.stdin) {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') return typed;
        if (char === '\u0003') throw new UsageError('cancelled');
        if (char === '\u007f') typed = typed.slice(0, -1);
        else typed += char;
      }
    }
    return typed;
  } finally {
    process.stdin.setRawMode(false);
    process.stdout.write('\n');
  }
}

async function run(argv: string[]): Promise<AdminResult> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      jurisdiction: { type: 'string', multiple: true },
      'display-name': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [noun, verb, ...rest] = positionals;
  if (values.help || !noun) throw new UsageError(USAGE);
  const config = loadConfig('embedded');

  if (noun === 'jurisdiction' && verb === 'add') {
    const [code, name] = rest;
    if (!code || !name || rest.length > 2) throw new UsageError(USAGE);
    if (!JurisdictionCode.safeParse(code).success) {
      throw new UsageError(`not a jurisdiction code: ${code} (dotted lower-case, such as suzhou.gusu)`);
    }
    const database = await openDatabase(config);
    try {
      return await addJurisdiction(database.db, code, name);
    } finally {
      await database.close();
    }
  }

  if (noun === 'user' && verb === 'add') {
    const [username] = rest;
    if (!username || rest.length > 1) throw new UsageError(USAGE);
    const role = values.role;
    if (!role || !(ROLES as readonly string[]).includes(role)) {
      throw new UsageError(`--role must be one of ${ROLES.join(', ')}${role ? ` (got ${role})` : ''}`);
    }
    const jurisdictions = values.jurisdiction ?? [];
    if (jurisdictions.length === 0)
      throw new UsageError('--jurisdiction is required (repeat it for several)');
    const displayName = values['display-name'];
    if (!displayName) throw new UsageError('--display-name is required');
    const password = await readPassword();
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new UsageError(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    const database = await openDatabase(config);
    try {
      return await addUser(database.db, {
        username,
        displayName,
        role: role as Role,
        jurisdictions,
        passwordHash: await hashPassword(password),
      });
    } finally {
      await database.close();
    }
  }

  if (noun === 'user' && verb === 'disable') {
    const [username] = rest;
    if (!username || rest.length > 1) throw new UsageError(USAGE);
    const database = await openDatabase(config);
    try {
      return await disableUser(database.db, username);
    } finally {
      await database.close();
    }
  }
  throw new UsageError(USAGE);
}

runMain(async () => {
  try {
    const result = await run(process.argv.slice(2));
    if (result.ok) process.stdout.write(`${result.message}\n`);
    else {
      process.stderr.write(`error: ${result.message}\n`);
      process.exitCode = 1;
    }
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error;
    // parseArgs reports unknown options as a TypeError with a readable message.
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 64;
  }
});
