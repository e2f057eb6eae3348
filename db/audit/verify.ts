import { and, asc, eq, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { auditCheckpoints, auditHead, auditLog } from '../schema';
import { chainHash, GENESIS_HASH, legacyChainHash } from './chain';
import { checkpointMac } from './checkpoints';

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
