import { eq, sql } from 'drizzle-orm';
import type { Db } from './client';
import { loginAttempts } from './schema';

export interface LoginLimits {
  windowSeconds: number;
  /** Failures of one username from one address. */
  pair: number;
  /** Failures from one address, whatever the usernames, unless this username is known there. */
  address: number;
  /** Failures of one username from anywhere, unless it is known at this address. */
  user: number;
  /** Successful logins from one address, whatever the usernames. */
  logins: number;
}

export interface LoginCounts {
  /** Failures (and attempts still being checked) of this username from this address in the window. */
  pair: number;
  /** Failures from this address, whatever the username. */
  address: number;
  /** Failures of this username, from whatever address. */
  user: number;
  /** Successful logins from this address in the window. */
  logins: number;
  /** This username has logged in from this address within the memory of the table. */
  knownAddress: boolean;
}

export type LoginClaim =
  { allowed: true; attemptId: number } | { allowed: false; why: 'failures' | 'logins'; counts: LoginCounts };

/** Attempts are kept this long: what "a known address" remembers. */
export const LOGIN_MEMORY_DAYS = 30;

async function countLoginAttempts(
  db: Db,
  who: { userTag: string; address: string },
  windowSeconds: number,
): Promise<LoginCounts> {
  const recent = sql`${loginAttempts.at} > now() - make_interval(secs => ${windowSeconds})`;
  const user = sql`${loginAttempts.userTag} = ${who.userTag}`;
  const address = sql`${loginAttempts.address} = ${who.address}`;
  // `ok is not true`: an attempt whose password is still being checked counts as a failure.
  const failed = sql`${loginAttempts.ok} is not true`;
  const [row] = await db
    .select({
      pair: sql<number>`count(*) filter (where ${user} and ${address} and ${failed} and ${recent})::int`,
      address: sql<number>`count(*) filter (where ${address} and ${failed} and ${recent})::int`,
      user: sql<number>`count(*) filter (where ${user} and ${failed} and ${recent})::int`,
      logins: sql<number>`count(*) filter (where ${address} and ${loginAttempts.ok} and ${recent})::int`,
      knownAddress: sql<boolean>`coalesce(bool_or(${user} and ${address} and ${loginAttempts.ok}), false)`,
    })
    .from(loginAttempts)
    .where(
      sql`(${user} or ${address}) and ${loginAttempts.at} > now() - make_interval(days => ${LOGIN_MEMORY_DAYS})`,
    );
  return row!;
}

/**
 * Decides whether this attempt may have its password checked and, if so, records it as pending,
 * in one transaction under advisory locks on the username's tag and on the address (always in
 * that order, so two logins never wait on each other in a cycle). Parallel guesses, in one API
 * process or several, are therefore counted one after another, never raced: each sees the
 * attempts before it, pending ones included.
 */
export async function claimLoginAttempt(
  db: Db,
  who: { userTag: string; address: string },
  limits: LoginLimits,
): Promise<LoginClaim> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`login-user:${who.userTag}`}, 0))`);
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtextextended(${`login-address:${who.address}`}, 0))`,
    );
    const counts = await countLoginAttempts(tx as unknown as Db, who, limits.windowSeconds);
    const locked =
      counts.pair >= limits.pair ||
      (counts.address >= limits.address && !counts.knownAddress) ||
      (counts.user >= limits.user && !counts.knownAddress);
    if (locked) return { allowed: false, why: 'failures', counts } as const;
    if (counts.logins >= limits.logins) return { allowed: false, why: 'logins', counts } as const;
    const [row] = await tx
      .insert(loginAttempts)
      .values({ ...who, ok: null })
      .returning({ id: loginAttempts.id });
    return { allowed: true, attemptId: row!.id } as const;
  });
}

/** The outcome of a claimed attempt, once its password has been checked. */
export async function settleLoginAttempt(db: Db, attemptId: number, ok: boolean): Promise<void> {
  await db.update(loginAttempts).set({ ok }).where(eq(loginAttempts.id, attemptId));
  if (ok) {
    await db
      .delete(loginAttempts)
      .where(sql`${loginAttempts.at} < now() - make_interval(days => ${LOGIN_MEMORY_DAYS})`);
  }
}
