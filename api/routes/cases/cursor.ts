import type { CaseRow } from '../../../db/schema';
import { instantOf } from '../../../schemas/time-bounds';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An opaque cursor over (createdAt, id), the list's order. */
export function encodeCursor(row: CaseRow): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    // The same bounds as any client timestamp (api.md "Time bounds"): a forged year 0 is a 400.
    const at = instantOf(createdAt);
    if (typeof id !== 'string' || !UUID.test(id) || at === null) return null;
    return { createdAt: new Date(at), id };
  } catch {
    return null;
  }
}
