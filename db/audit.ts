import { createHash, createHmac } from 'node:crypto';
import { and, asc, desc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client';
import { escapeLike } from './scope';
import { auditHead, auditLog, type AuditRow } from './schema';

export interface AuditEntry {
  at: Date;
  actorId: string;
  actorUsername: string;
  actorRole: string;
  action: string;
  /** The cases concerned, each with the jurisdiction it was in (for scoping the trail). */
  cases: { id: string; jurisdiction: string }[];
  /** The jurisdictions the request covered (for entries that name no case: KPIs, empty searches). */
  scope: string[];
  route: string;
  reason: string;
  requestId: string;
}

export const GENESIS_HASH = '0'.repeat(64);

// Any constant: appends take this transaction-level lock so the chain has one head at a time.
const CHAIN_LOCK = 0x61756469;

type Content = Omit<AuditRow, 'id' | 'hash' | 'prevHash'>;

/**
 * HMAC-SHA256, under the audit key (`AUDIT_KEY`, never in the database), over the previous hash
 * and the row's content in a fixed field order: whoever can write the tables but lacks the key
 * cannot make a row that verifies. Rows from before the key (`audit_head.keyed_from`) used a
 * plain sha256 (`key` null).
 */
export function chainHash(key: string | null, prevHash: string, row: Content): string {
  const fields = [
    row.at.toISOString(),
    row.actorId,
    row.actorUsername,
    row.actorRole,
    row.action,
    row.caseIds,
    row.caseJurisdictions,
    row.route,
    row.reason,
    row.requestId,
  ];
  // Keyed rows also cover the scope column, which came with the key.
  const canonical = JSON.stringify(key === null ? fields : [...fields, row.scope]);
  const hash = key === null ? createHash('sha256') : createHmac('sha256', key);
  return hash.update(prevHash).update('\n').update(canonical).digest('hex');
}

/**
 * Appends one entry to the chain; concurrent appends serialize on a lock, so no two share a parent.
 * The database moves the head (a trigger that refuses a row not chained to it), not this code.
 */
export async function appendAudit(db: Db, key: string, entry: AuditEntry): Promise<AuditRow> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${CHAIN_LOCK})`);
    const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1));
    const content: Content = {
      at: entry.at,
      actorId: entry.actorId,
      actorUsername: entry.actorUsername,
      actorRole: entry.actorRole,
      action: entry.action,
      caseIds: entry.cases.map((c) => c.id),
      caseJurisdictions: entry.cases.map((c) => c.jurisdiction),
      scope: entry.scope,
      route: entry.route,
      reason: entry.reason,
      requestId: entry.requestId,
    };
    const prevHash = head?.lastHash ?? GENESIS_HASH;
    const hash = chainHash(key, prevHash, content);
    const [row] = await tx
      .insert(auditLog)
      .values({ ...content, prevHash, hash })
      .returning();
    return row!;
  });
}

export interface AuditFilter {
  caseId?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  /** Entries older than this id (the list runs newest first). */
  before?: number;
  limit: number;
}

/**
 * Entries about at least one case within the given jurisdictions, and entries that name no case
 * but covered jurisdictions within them (a KPI read, an empty search), newest first.
 */
export async function listAudit(db: Db, filter: AuditFilter, scope: readonly string[]): Promise<AuditRow[]> {
  const within = scope.flatMap((code) => [sql`j = ${code}`, sql`j like ${`${escapeLike(code)}.%`}`]);
  const anyWithin = (column: SQL) =>
    sql`exists (select 1 from unnest(${column}) as j where ${sql.join(within, sql` or `)})`;
  const conditions: (SQL | undefined)[] = [
    within.length
      ? sql`(${anyWithin(sql`${auditLog.caseJurisdictions}`)} or (cardinality(${auditLog.caseIds}) = 0 and ${anyWithin(sql`${auditLog.scope}`)}))`
      : sql`false`,
  ];
  if (filter.caseId) conditions.push(sql`${filter.caseId} = any(${auditLog.caseIds})`);
  if (filter.actor) conditions.push(eq(auditLog.actorUsername, filter.actor));
  if (filter.from) conditions.push(gte(auditLog.at, filter.from));
  if (filter.to) conditions.push(lte(auditLog.at, filter.to));
  if (filter.before !== undefined) conditions.push(lt(auditLog.id, filter.before));
  return db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.id))
    .limit(filter.limit);
}

export type Tamper = 'edited' | 'deleted' | 'reordered' | 'truncated';

export interface VerifyResult {
  rows: number;
  headHash: string;
  problem: { rowId: number; kind: Tamper; detail: string } | null;
}

/**
 * Walks the chain in id order, in one REPEATABLE READ snapshot (appends that land meanwhile are
 * not half-seen), and names the first row that breaks it: its content no longer matches its keyed
 * hash (edited, or written without the key); its link points at a row that exists elsewhere
 * (reordered) or at none (a row before it was deleted); or the chain does not end at the head
 * row (its tail was cut off).
 */
export async function verifyAuditChain(
  db: Db,
  key: string,
  onProgress: (checked: number) => void = () => undefined,
): Promise<VerifyResult> {
  return db.transaction((tx) => walkChain(tx as unknown as Db, key, onProgress), {
    isolationLevel: 'repeatable read',
    accessMode: 'read only',
  });
}

async function walkChain(db: Db, key: string, onProgress: (checked: number) => void): Promise<VerifyResult> {
  const BATCH = 5_000;
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  const keyedFrom = head?.keyedFrom ?? 1;
  // Every row's own hash, so a broken link can tell a moved row from a missing one.
  const known = new Set<string>();
  for (let after = 0; ;) {
    const page = await db
      .select({ id: auditLog.id, hash: auditLog.hash })
      .from(auditLog)
      .where(sql`${auditLog.id} > ${after}`)
      .orderBy(asc(auditLog.id))
      .limit(BATCH);
    for (const row of page) known.add(row.hash);
    if (page.length < BATCH) break;
    after = page.at(-1)!.id;
  }

  let expected = GENESIS_HASH;
  let rows = 0;
  let lastId = 0;
  for (let after = 0; ;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(sql`${auditLog.id} > ${after}`)
      .orderBy(asc(auditLog.id))
      .limit(BATCH);
    for (const row of page) {
      if (chainHash(row.id < keyedFrom ? null : key, row.prevHash, row) !== row.hash) {
        return {
          rows,
          headHash: expected,
          problem: {
            rowId: row.id,
            kind: 'edited',
            detail: 'its content does not match its hash (edited, or written without the audit key)',
          },
        };
      }
      if (row.prevHash !== expected) {
        const moved = known.has(row.prevHash);
        return {
          rows,
          headHash: expected,
          problem: {
            rowId: row.id,
            kind: moved ? 'reordered' : 'deleted',
            detail: moved
              ? 'it follows a row other than the one it was chained to'
              : 'the row it was chained to is missing',
          },
        };
      }
      expected = row.hash;
      lastId = row.id;
      rows += 1;
    }
    onProgress(rows);
    if (page.length < BATCH) break;
    after = page.at(-1)!.id;
  }
  if (!head) {
    return {
      rows,
      headHash: expected,
      problem: { rowId: lastId, kind: 'truncated', detail: 'the chain head is missing' },
    };
  }
  if (head.lastHash !== expected || head.lastId !== lastId) {
    return {
      rows,
      headHash: expected,
      problem: {
        rowId: head.lastId,
        kind: 'truncated',
        detail: `the chain ends at row ${lastId} but its head names row ${head.lastId}`,
      },
    };
  }
  return { rows, headHash: expected, problem: null };
}
