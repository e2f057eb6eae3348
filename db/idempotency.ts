import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './client';
import { idempotencyKeys } from './schema';

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

/**
 * Claims a key for a request, or returns the row that already holds it. Insert-first, so of two
 * concurrent duplicates exactly one claims. A finished key older than `ttlSeconds`, or a claim
 * left running longer than `staleSeconds` (its process died), is taken over.
 */
export async function claimIdempotencyKey(
  db: Db,
  claim: { scope: string; key: string; requestHash: string },
  limits: { ttlSeconds: number; staleSeconds: number },
): Promise<{ claimed: true } | { claimed: false; row: IdempotencyRow | null }> {
  const taken = await db
    .insert(idempotencyKeys)
    .values({ ...claim, createdAt: sql`now()` })
    .onConflictDoUpdate({
      target: [idempotencyKeys.scope, idempotencyKeys.key],
      set: {
        requestHash: claim.requestHash,
        statusCode: null,
        contentType: null,
        location: null,
        responseBody: null,
        audit: null,
        createdAt: sql`now()`,
        completedAt: null,
      },
      setWhere: sql`(${idempotencyKeys.completedAt} is not null and ${idempotencyKeys.createdAt} < now() - make_interval(secs => ${limits.ttlSeconds}))
        or (${idempotencyKeys.completedAt} is null and ${idempotencyKeys.createdAt} < now() - make_interval(secs => ${limits.staleSeconds}))`,
    })
    .returning({ key: idempotencyKeys.key });
  if (taken.length > 0) return { claimed: true };
  return { claimed: false, row: await findIdempotencyKey(db, claim.scope, claim.key) };
}

export async function findIdempotencyKey(db: Db, scope: string, key: string): Promise<IdempotencyRow | null> {
  const [row] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  return row ?? null;
}

export async function completeIdempotencyKey(
  db: Db,
  scope: string,
  key: string,
  response: {
    statusCode: number;
    contentType: string | null;
    location: string | null;
    body: string;
    audit: IdempotencyRow['audit'];
  },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({
      statusCode: response.statusCode,
      contentType: response.contentType,
      location: response.location,
      responseBody: response.body,
      audit: response.audit,
      completedAt: sql`now()`,
    })
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
}

/** Deletes finished keys older than `ttlSeconds` and abandoned claims: stored replies hold personal data. */
export async function purgeIdempotencyKeys(
  db: Db,
  limits: { ttlSeconds: number; staleSeconds: number },
): Promise<void> {
  await db.delete(idempotencyKeys).where(
    sql`(${idempotencyKeys.completedAt} is not null and ${idempotencyKeys.createdAt} < now() - make_interval(secs => ${limits.ttlSeconds}))
        or (${idempotencyKeys.completedAt} is null and ${idempotencyKeys.createdAt} < now() - make_interval(secs => ${limits.staleSeconds}))`,
  );
}

/** Gives a key up after a failure that may succeed on retry (5xx), so the retry runs again. */
export async function releaseIdempotencyKey(db: Db, scope: string, key: string): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.scope, scope),
        eq(idempotencyKeys.key, key),
        sql`${idempotencyKeys.completedAt} is null`,
      ),
    );
}
