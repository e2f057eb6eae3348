import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS, FILE_KEYS } from '../../config/config';

// An operator configures the engine from README's "Configuration" table and .env.example. Every
// variable the config schema reads must be in both, and neither may list a variable nothing reads.

const root = join(__dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = /^## Configuration\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
const tableKeys = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` +\|/gm)].map((m) => m[1]!);
const envExample = readFileSync(join(root, '.env.example'), 'utf8');
const exampleKeys = [...envExample.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);

/** The project's own source (not tests' fixtures, not docs): where a variable outside the schema must be read. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (['node_modules', 'dist', 'data', 'docs', 'web'].includes(name) || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|js|mjs)$/.test(name) && !name.endsWith('.test.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}
const code = sources(root).join('\n');
const readByCode = (key: string) => new RegExp(`env(\\.|\\[')${key}\\b`).test(code);

describe("README's configuration table", () => {
  it('is found, with its rows', () => {
    expect(section).not.toBe('');
    expect(tableKeys.length).toBeGreaterThan(10);
    expect(new Set(tableKeys).size).toBe(tableKeys.length);
  });

  it('lists every variable config/config.ts reads (AUDIT_KEY included)', () => {
    expect(CONFIG_KEYS).toContain('AUDIT_KEY');
    expect(CONFIG_KEYS.filter((key) => !tableKeys.includes(key))).toEqual([]);
  });

  it('lists no variable that neither the config schema nor the code reads', () => {
    const outside = tableKeys.filter((key) => !(CONFIG_KEYS as string[]).includes(key));
    expect(outside.filter((key) => !readByCode(key))).toEqual([]);
  });

  it('names the file form of every secret (<KEY>_FILE)', () => {
    expect(FILE_KEYS.filter((key) => !section.includes(`\`${key}_FILE\``))).toEqual([]);
  });
});

describe('.env.example', () => {
  it('documents every variable config/config.ts reads', () => {
    expect(CONFIG_KEYS.filter((key) => !exampleKeys.includes(key))).toEqual([]);
  });

  it('documents nothing the README table does not list, but the standard OpenTelemetry variables', () => {
    // OTEL_* beyond OTEL_TRACES_EXPORTER are read by the OpenTelemetry SDK itself, as its specification names them.
    const unlisted = exampleKeys.filter((key) => !tableKeys.includes(key) && !key.startsWith('OTEL_'));
    expect(unlisted).toEqual([]);
  });
});
