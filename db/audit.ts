import { createHash, createHmac, randomInt } from 'node:crypto';
import { and, asc, desc, eq, gte, lt, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client';
import { escapeLike } from './scope';
import { auditCheckpoints, auditHead, auditLog, type AuditRow, type CheckpointHead } from './schema';

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

export interface Checkpoint {
  id: number;
  at: Date;
  heads: CheckpointHead[];
  mac: string;
}

// Any constant: checkpoint writers (each API process, audit:verify) queue on it; appends never take it.
const CHECKPOINT_LOCK = 0x61756463;

/** HMAC under the audit key over the previous checkpoint's signature, the time and every head. */
export function checkpointMac(
  key: string,
  prevMac: string,
  at: Date,
  heads: readonly CheckpointHead[],
): string {
  const canonical = JSON.stringify([
    at.toISOString(),
    [...heads].sort((a, b) => a.shard - b.shard).map((h) => [h.shard, h.seq, h.id, h.hash]),
  ]);
  return createHmac('sha256', key)
    .update('checkpoint\n')
    .update(prevMac)
    .update('\n')
    .update(canonical)
    .digest('hex');
}

/**
 * Signs the heads of all chains as they are now, chained to the previous checkpoint; nothing when
 * no head moved since. A row later deleted, edited or cut off from behind a checkpoint no longer
 * matches it, whatever was done to the heads.
 */
export async function writeCheckpoint(db: Db, key: string, at = new Date()): Promise<Checkpoint | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${CHECKPOINT_LOCK})`);
    const [last] = await tx.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.id)).limit(1);
    const heads: CheckpointHead[] = await tx
      .select({
        shard: auditHead.shard,
        seq: auditHead.lastSeq,
        id: auditHead.lastId,
        hash: auditHead.lastHash,
      })
      .from(auditHead)
      .orderBy(asc(auditHead.shard));
    const signed = (list: readonly CheckpointHead[]) =>
      JSON.stringify(list.map((h) => [h.shard, h.seq, h.id, h.hash]));
    if (last && signed(last.heads) === signed(heads)) return null;
    const prevMac = last?.mac ?? GENESIS_HASH;
    const [row] = await tx
      .insert(auditCheckpoints)
      .values({ at, heads, prevMac, mac: checkpointMac(key, prevMac, at, heads) })
      .returning();
    return { id: row!.id, at: row!.at, heads: row!.heads, mac: row!.mac };
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

export interface Problem {
  kind: Tamper;
  /** The first bad row: its shard, its place in the shard, its id (null when it is gone). */
  shard: number | null;
  seq: number | null;
  rowId: number | null;
  /** The checkpoint that shows it, when one does. */
  checkpointId: number | null;
  detail: string;
}

export interface VerifyResult {
  rows: number;
  shards: number;
  checkpoints: number;
  /** The newest checkpoint's signature: keep it elsewhere, as Certificate Transparency's monitors do. */
  lastCheckpointMac: string | null;
  problem: Problem | null;
}

/**
 * Walks every chain in seq order and then every checkpoint, in one REPEATABLE READ snapshot
 * (appends that land meanwhile are not half-seen), and names the first row that breaks them: its
 * link points at a row that exists elsewhere in its shard (reordered) or at none (a row before it
 * was deleted); its content no longer matches its keyed hash (edited, or written without the key);
 * its shard does not end at the shard's head; a checkpoint names a row that is no longer there
 * (the tail was cut, even with the head moved back) or no longer has the hash it signed; a
 * checkpoint's signature does not verify or does not follow the one before (a checkpoint edited,
 * deleted or moved).
 */
export async function verifyAuditTrail(
  db: Db,
  key: string,
  onProgress: (shard: number, checked: number) => void = () => undefined,
): Promise<VerifyResult> {
  return db.transaction((tx) => walkTrail(tx as unknown as Db, key, onProgress), {
    isolationLevel: 'repeatable read',
    accessMode: 'read only',
  });
}

const BATCH = 5_000;

async function walkTrail(
  db: Db,
  key: string,
  onProgress: (shard: number, checked: number) => void,
): Promise<VerifyResult> {
  const heads = await db.select().from(auditHead).orderBy(asc(auditHead.shard));
  const checkpoints = await db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.id));
  const result = (rows: number, problem: Problem | null): VerifyResult => ({
    rows,
    shards: heads.length,
    checkpoints: checkpoints.length,
    lastCheckpointMac: checkpoints.at(-1)?.mac ?? null,
    problem,
  });
  // The rows each checkpoint names, looked up on the walk.
  const signed = new Set(checkpoints.flatMap((c) => c.heads.map((h) => `${h.shard}:${h.seq}`)));
  const found = new Map<string, { id: number; hash: string }>();
  const ends = new Map<number, number>();

  let rows = 0;
  for (const head of heads) {
    const walked = await walkShard(db, key, head, (seq, id, hash) => {
      if (signed.has(`${head.shard}:${seq}`)) found.set(`${head.shard}:${seq}`, { id, hash });
    });
    rows += walked.rows;
    onProgress(head.shard, walked.rows);
    if (walked.problem) return result(rows, walked.problem);
    ends.set(head.shard, head.lastSeq);
  }
  const [stray] = await db
    .select({ id: auditLog.id, shard: auditLog.shard, seq: auditLog.seq })
    .from(auditLog)
    .where(
      notInArray(
        auditLog.shard,
        heads.map((h) => h.shard),
      ),
    )
    .limit(1);
  if (stray) {
    return result(rows, {
      kind: 'edited',
      shard: stray.shard,
      seq: stray.seq,
      rowId: stray.id,
      checkpointId: null,
      detail: 'its shard has no head',
    });
  }

  const macs = new Set(checkpoints.map((c) => c.mac));
  let prevMac = GENESIS_HASH;
  const reached = new Map<number, number>();
  for (const checkpoint of checkpoints) {
    const problem = (
      kind: Tamper,
      detail: string,
      at?: { shard: number; seq: number; rowId: number | null },
    ) => ({
      kind,
      shard: at?.shard ?? null,
      seq: at?.seq ?? null,
      rowId: at?.rowId ?? null,
      checkpointId: checkpoint.id,
      detail,
    });
    if (checkpoint.prevMac !== prevMac) {
      const moved = macs.has(checkpoint.prevMac) || checkpoint.prevMac === GENESIS_HASH;
      return result(
        rows,
        problem(
          moved ? 'reordered' : 'deleted',
          moved
            ? 'the checkpoint follows one other than the one it was signed after'
            : 'the checkpoint it was signed after is missing',
        ),
      );
    }
    if (checkpointMac(key, checkpoint.prevMac, checkpoint.at, checkpoint.heads) !== checkpoint.mac) {
      return result(
        rows,
        problem(
          'edited',
          'the checkpoint does not match its signature (edited, or written without the audit key)',
        ),
      );
    }
    for (const signedHead of checkpoint.heads) {
      const end = ends.get(signedHead.shard);
      const at = { shard: signedHead.shard, seq: signedHead.seq, rowId: signedHead.id };
      if (end === undefined)
        return result(rows, problem('deleted', 'the checkpoint names a shard that is gone', at));
      if (signedHead.seq > end) {
        return result(
          rows,
          problem(
            'truncated',
            `the shard ends at seq ${end}, but the checkpoint signed it up to seq ${signedHead.seq} (row ${signedHead.id}): its tail was cut`,
            { shard: signedHead.shard, seq: end + 1, rowId: null },
          ),
        );
      }
      if ((reached.get(signedHead.shard) ?? 0) > signedHead.seq) {
        return result(
          rows,
          problem('reordered', 'the checkpoint names an older head than the one before it', at),
        );
      }
      reached.set(signedHead.shard, signedHead.seq);
      if (signedHead.seq === 0) continue;
      const row = found.get(`${signedHead.shard}:${signedHead.seq}`);
      if (!row || row.hash !== signedHead.hash || row.id !== signedHead.id) {
        return result(
          rows,
          problem('edited', 'the shard was rewritten: this row is not the one the checkpoint signed', {
            ...at,
            rowId: row?.id ?? signedHead.id,
          }),
        );
      }
    }
    prevMac = checkpoint.mac;
  }
  return result(rows, null);
}

type HeadRow = typeof auditHead.$inferSelect;

async function walkShard(
  db: Db,
  key: string,
  head: HeadRow,
  seen: (seq: number, id: number, hash: string) => void,
): Promise<{ rows: number; problem: Problem | null }> {
  const inShard = eq(auditLog.shard, head.shard);
  // Every row's own hash, so a broken link can tell a moved row from a missing one.
  const known = new Set<string>();
  for (let after = -1; ;) {
    const page = await db
      .select({ seq: auditLog.seq, hash: auditLog.hash })
      .from(auditLog)
      .where(and(inShard, sql`${auditLog.seq} > ${after}`))
      .orderBy(asc(auditLog.seq))
      .limit(BATCH);
    for (const row of page) known.add(row.hash);
    if (page.length < BATCH) break;
    after = page.at(-1)!.seq;
  }

  const bad = (row: { seq: number; id: number } | null, kind: Tamper, detail: string) => ({
    kind,
    shard: head.shard,
    seq: row?.seq ?? null,
    rowId: row?.id ?? null,
    checkpointId: null,
    detail,
  });
  let expected = GENESIS_HASH;
  let rows = 0;
  let last: { seq: number; id: number } = { seq: 0, id: 0 };
  for (let after = -1; ;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(and(inShard, sql`${auditLog.seq} > ${after}`))
      .orderBy(asc(auditLog.seq), asc(auditLog.id))
      .limit(BATCH);
    for (const row of page) {
      if (row.prevHash !== expected) {
        const moved = known.has(row.prevHash);
        return {
          rows,
          problem: bad(
            row,
            moved ? 'reordered' : 'deleted',
            moved
              ? 'it follows a row other than the one it was chained to'
              : 'the row it was chained to is missing',
          ),
        };
      }
      const hash =
        row.seq <= head.legacySeq
          ? legacyChainHash(row.id < head.keyedFrom ? null : key, row.prevHash, row)
          : chainHash(key, row.prevHash, row);
      if (hash !== row.hash || row.seq !== last.seq + 1) {
        return {
          rows,
          problem: bad(
            row,
            'edited',
            'its content does not match its hash (edited, or written without the audit key)',
          ),
        };
      }
      seen(row.seq, row.id, row.hash);
      expected = row.hash;
      last = row;
      rows += 1;
    }
    if (page.length < BATCH) break;
    after = page.at(-1)!.seq;
  }
  if (head.lastHash !== expected || head.lastSeq !== last.seq || (last.seq > 0 && head.lastId !== last.id)) {
    return {
      rows,
      problem: bad(
        { seq: head.lastSeq, id: head.lastId },
        'truncated',
        `the shard ends at seq ${last.seq} but its head names seq ${head.lastSeq}`,
      ),
    };
  }
  return { rows, problem: null };
}
