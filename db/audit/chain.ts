import { createHash, createHmac, randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { auditHead, auditLog, type AuditRow } from '../schema';

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

type Content = Omit<AuditRow, 'id' | 'hash' | 'prevHash' | 'shard' | 'seq'>;
type Chained = Content & { shard: number; seq: number };

const contentFields = (row: Content) => [
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

/**
 * HMAC-SHA256, under the audit key (`AUDIT_KEY`, never in the database), over the previous hash in
 * the row's shard, its content in a fixed field order, its shard and its place (seq) in it:
 * whoever can write the tables but lacks the key cannot make a row that verifies, nor move one to
 * another place or chain.
 */
export function chainHash(key: string, prevHash: string, row: Chained): string {
  const canonical = JSON.stringify([...contentFields(row), row.scope, row.shard, row.seq]);
  return createHmac('sha256', key).update(prevHash).update('\n').update(canonical).digest('hex');
}

/**
 * The single chain's hash from before migration 0009 (shard 0 up to `audit_head.legacy_seq`):
 * HMAC over the previous hash and the content, or a plain sha256 (`key` null) for rows from before
 * the key (`audit_head.keyed_from`), which did not cover the scope either.
 */
export function legacyChainHash(key: string | null, prevHash: string, row: Content): string {
  const fields = contentFields(row);
  const canonical = JSON.stringify(key === null ? fields : [...fields, row.scope]);
  const hash = key === null ? createHash('sha256') : createHmac('sha256', key);
  return hash.update(prevHash).update('\n').update(canonical).digest('hex');
}

/** SQLSTATE of the trigger's refusal of a row not chained to its shard's head (migration 0009). */
const NOT_AT_HEAD = 'RA001';

interface Head {
  seq: number;
  hash: string;
}

/**
 * What one process knows of the chains: how many there are, the head of each as this process last
 * left it, and which shards one of its appends holds. An append takes a shard no other append of
 * this process holds (the first free one from a place chosen at random per process, so processes
 * mostly keep to different shards), so appends of one process never contend.
 */
class Shards {
  private readonly heads = new Map<number, Head>();
  private readonly held: boolean[];
  private readonly waiting: (() => void)[][];
  private readonly start: number;
  constructor(readonly count: number) {
    this.held = Array.from({ length: count }, () => false);
    this.waiting = Array.from({ length: count }, () => []);
    this.start = randomInt(count);
  }

  async take(): Promise<number> {
    for (let i = 0; i < this.count; i++) {
      const shard = (this.start + i) % this.count;
      if (!this.held[shard]) {
        this.held[shard] = true;
        return shard;
      }
    }
    const shard = randomInt(this.count);
    await new Promise<void>((resolve) => this.waiting[shard]!.push(resolve));
    return shard;
  }

  give(shard: number): void {
    const next = this.waiting[shard]!.shift();
    if (next) next();
    else this.held[shard] = false;
  }

  known(shard: number): Head | undefined {
    return this.heads.get(shard);
  }

  moved(shard: number, head: Head | null): void {
    if (head) this.heads.set(shard, head);
    else this.heads.delete(shard);
  }
}

const shardsOf = new WeakMap<Db, Promise<Shards>>();

function shards(db: Db): Promise<Shards> {
  let known = shardsOf.get(db);
  if (!known) {
    known = db
      .select({ count: sql<number>`count(*)::int` })
      .from(auditHead)
      .then(([row]) => new Shards(row!.count));
    known.catch(() => shardsOf.delete(db));
    shardsOf.set(db, known);
  }
  return known;
}

const isNotAtHead = (error: unknown): boolean => {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === NOT_AT_HEAD) return true;
  }
  return false;
};

async function insertChained(
  db: Db,
  key: string,
  content: Content,
  shard: number,
  head: Head,
): Promise<AuditRow> {
  const row = { ...content, shard, seq: head.seq + 1, prevHash: head.hash };
  const [inserted] = await db
    .insert(auditLog)
    .values({ ...row, hash: chainHash(key, head.hash, row) })
    .returning();
  return inserted!;
}

/**
 * Appends one entry to one of the chains. Usually one INSERT on the head this process left: no
 * lock held across a round trip, none but the shard's own head row (the trigger's UPDATE, which
 * refuses a row not chained to the head). When another process moved that head meanwhile, the
 * append is made again in a transaction holding that one head's row lock.
 */
export async function appendAudit(db: Db, key: string, entry: AuditEntry): Promise<AuditRow> {
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
  const state = await shards(db);
  const shard = await state.take();
  try {
    let row: AuditRow | undefined;
    const known = state.known(shard);
    state.moved(shard, null);
    if (known) {
      try {
        row = await insertChained(db, key, content, shard, known);
      } catch (error) {
        if (!isNotAtHead(error)) throw error;
      }
    }
    row ??= await db.transaction(async (tx) => {
      const locked = await tx.execute<{ last_seq: string | number; last_hash: string }>(
        sql`select last_seq, last_hash from audit_lock_head(${shard})`,
      );
      const [head] = (locked as unknown as { rows: { last_seq: string | number; last_hash: string }[] }).rows;
      if (!head) throw new Error(`audit_head has no shard ${shard}`);
      return insertChained(tx as unknown as Db, key, content, shard, {
        seq: Number(head.last_seq),
        hash: head.last_hash,
      });
    });
    state.moved(shard, { seq: row.seq, hash: row.hash });
    return row;
  } finally {
    state.give(shard);
  }
}
