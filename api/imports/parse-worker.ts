import { parentPort } from 'node:worker_threads';
import type { InvalidRow, ValidImportRow } from '../../schemas/imports';
import { ImportRefusal, readSheet } from './read';
import { validateRows, type ImportContext } from './validate';

// The parse worker's thread (api/imports/parse.ts starts one per file): reads and checks the
// file away from the request thread, so nothing in it can keep the API from answering.

export interface ParseRequest {
  body: Uint8Array;
  contentType: string;
  context: ImportContext;
}

export interface ParsedImport {
  total: number;
  valid: ValidImportRow[];
  invalid: InvalidRow[];
  ignoredColumns: string[];
}

export type ParseReply =
  | { parsed: ParsedImport }
  | { refusal: { status: ImportRefusal['status']; code: ImportRefusal['code']; detail: string } };

async function handle({ body, contentType, context }: ParseRequest): Promise<ParseReply> {
  try {
    const sheet = await readSheet(body, contentType);
    const { valid, invalid } = validateRows(sheet.rows, context);
    return { parsed: { total: sheet.rows.length, valid, invalid, ignoredColumns: sheet.ignoredColumns } };
  } catch (error) {
    if (!(error instanceof ImportRefusal)) throw error;
    return { refusal: { status: error.status, code: error.code, detail: error.detail } };
  }
}

parentPort?.once('message', (request: ParseRequest) => {
  void handle(request).then((reply) => parentPort?.postMessage(reply));
});
