import { eq, like, or, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/** Escapes LIKE wildcards so user text matches literally. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * A jurisdiction column within any of the caller's jurisdictions or below them
 * (`suzhou.gusu` covers `suzhou.gusu` and `suzhou.gusu.canglang`, not `suzhou.gusuxyz`).
 */
export function withinJurisdictions(column: AnyPgColumn, codes: readonly string[]): SQL {
  const parts = codes.flatMap((code) => [eq(column, code), like(column, `${escapeLike(code)}.%`)]);
  return or(...parts) ?? eq(column, '\u0000no-jurisdiction');
}

/** True when `code` is `scope` or lies below it in the tree. */
export function isWithin(code: string, scopes: readonly string[]): boolean {
  return scopes.some((scope) => code === scope || code.startsWith(`${scope}.`));
}
