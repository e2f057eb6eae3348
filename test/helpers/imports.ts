import { IMPORT_COLUMN_KEYS, type ImportColumn } from '../../schemas/imports';
import type { TestSystem } from './system';

export type ImportCells = Partial<Record<ImportColumn, string | number>>;

/** A CSV as a 禁毒办 would export it: the template's header, then one line per person. */
export function importCsv(rows: ImportCells[], { bom = false } = {}): string {
  const quote = (value: string | number | undefined) => {
    const text = value === undefined ? '' : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = [
    IMPORT_COLUMN_KEYS.join(','),
    ...rows.map((row) => IMPORT_COLUMN_KEYS.map((k) => quote(row[k])).join(',')),
  ];
  return `${bom ? '\uFEFF' : ''}${lines.join('\r\n')}\r\n`;
}

/** A calendar date `days` before `now`, as the workbooks write it. */
export function daysBefore(now: number, days: number): string {
  return new Date(now - days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
}

export async function postImport(
  system: TestSystem,
  body: string | Buffer,
  { dryRun = false, type = 'text/csv' } = {},
) {
  return system.as('supervisor.gusu', {
    method: 'POST',
    url: `/v1/imports${dryRun ? '?dryRun=true' : ''}`,
    headers: { 'content-type': type },
    payload: body,
  });
}

/** Polls the import until it is no longer running. */
export async function importFinished(system: TestSystem, id: string, username = 'supervisor.gusu') {
  for (let i = 0; i < 600; i += 1) {
    const reply = await system.as(username, { method: 'GET', url: `/v1/imports/${id}` });
    const view = reply.json();
    if (reply.statusCode !== 200) throw new Error(`GET import: ${reply.body}`);
    if (view.status !== 'running') return view;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the import did not finish');
}
