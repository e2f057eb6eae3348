import { crc32, deflateRawSync } from 'node:zlib';
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

/** The bytes of `text` in GB18030 (GBK for these characters), as Excel on Chinese Windows saves a CSV. */
export function gbk(text: string): Buffer {
  const bytes: number[] = [];
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) bytes.push(ch.charCodeAt(0));
    else {
      const code = gbkTable().get(ch);
      if (code === undefined) throw new Error(`${ch} has no two-byte GBK code`);
      bytes.push(code >> 8, code & 0xff);
    }
  }
  return Buffer.from(bytes);
}

let table: Map<string, number> | undefined;
/** Every two-byte GBK code and its character, read back from Node's own GB18030 decoder. */
function gbkTable(): Map<string, number> {
  if (table) return table;
  table = new Map();
  const decoder = new TextDecoder('gb18030');
  for (let lead = 0x81; lead <= 0xfe; lead += 1)
    for (let trail = 0x40; trail <= 0xfe; trail += 1) {
      if (trail === 0x7f) continue;
      const ch = decoder.decode(Uint8Array.of(lead, trail));
      if (ch.length === 1 && ch !== '\uFFFD' && !table.has(ch)) table.set(ch, (lead << 8) | trail);
    }
  return table;
}

export interface ZipEntry {
  name: string;
  data: Buffer | string;
  /** The size the directory claims, when it is to lie (a zip bomb's trick). */
  claimedSize?: number;
}

/** A zip archive (deflated entries), written by hand so a test can make it as hostile as it likes. */
export function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data, 'utf8');
    const packed = deflateRawSync(data, { level: 9 });
    const name = Buffer.from(entry.name, 'utf8');
    const crc = crc32(data);
    const size = entry.claimedSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    directory.push(central, name);
    offset += 30 + name.length + packed.length;
  }
  const dir = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const RELS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const DOC = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** The text of a cell reference's column: 1 → A, 16384 → XFD. */
export function columnLetters(n: number): string {
  let letters = '';
  for (let c = n; c > 0; c = Math.floor((c - 1) / 26))
    letters = String.fromCharCode(65 + ((c - 1) % 26)) + letters;
  return letters;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A sheet's XML from rows of cells (inline strings), each cell at the column it names. */
export function sheetXml(rows: { cells: [column: number, text: string][] }[], extra = ''): string {
  const body = rows
    .map(
      ({ cells }, i) =>
        `<row r="${i + 1}">${cells
          .map(
            ([c, text]) =>
              `<c r="${columnLetters(c)}${i + 1}" t="inlineStr"><is><t>${escapeXml(text)}</t></is></c>`,
          )
          .join('')}</row>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="${MAIN}"><sheetData>${body}${extra}</sheetData></worksheet>`;
}

/** A minimal .xlsx around one sheet's XML (a Buffer or text), its parts as Excel names them. */
export function workbook(sheet: Buffer | string, { claimedSize }: { claimedSize?: number } = {}): Buffer {
  return zip([
    {
      name: '[Content_Types].xml',
      data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
    },
    {
      name: '_rels/.rels',
      data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="${RELS}"><Relationship Id="rId1" Type="${DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    {
      name: 'xl/workbook.xml',
      data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="${MAIN}" xmlns:r="${DOC}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="${RELS}"><Relationship Id="rId1" Type="${DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    },
    { name: 'xl/worksheets/sheet1.xml', data: sheet, ...(claimedSize === undefined ? {} : { claimedSize }) },
  ]);
}

/** The template's header and rows as sheet rows for `sheetXml`. */
export function templateRows(rows: ImportCells[]): { cells: [number, string][] }[] {
  return [
    { cells: IMPORT_COLUMN_KEYS.map((key, i) => [i + 1, key] as [number, string]) },
    ...rows.map((row) => ({
      cells: IMPORT_COLUMN_KEYS.flatMap((key, i) =>
        row[key] === undefined ? [] : [[i + 1, String(row[key])] as [number, string]],
      ),
    })),
  ];
}
