import { createHmac } from 'node:crypto';
import { asc, desc, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { auditCheckpoints, auditHead, type CheckpointHead } from '../schema';
import { GENESIS_HASH } from './chain';

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
