import { sql } from 'drizzle-orm';
import type { Db } from './client';
import { loginAttempts } from './schema';

export interface LoginCounts {
  /** Failures of this username from this address in the window. */
  pair: number;
  /** Failures from this address, whatever the username. */
  address: number;
  /** Failures of this username, from whatever address. */
  user: number;
  /** This username has logged in from this address within the memory of the table. */
  knownAddress: boolean;
}

/** Attempts are kept this long: what "a known address" remembers. */
export const LOGIN_MEMORY_DAYS = 30;

export async function countLoginAttempts(
  db: Db,
  who: { userTag: string; address: string },
  windowSeconds: number,
): Promise<LoginCounts> {
  const recent = sql`${loginAttempts.at} > now() - make_interval(secs => ${windowSeconds})`;
  const user = sql`${loginAttempts.userTag} = ${who.userTag}`;
  const address = sql`${loginAttempts.address} = ${who.address}`;
  const [row] = await db
    .select({
      pair: sql<number>`count(*) filter (where ${user} and ${address} and not ${loginAttempts.ok} and ${recent})::int`,
      address: sql<number>`count(*) filter (where ${address} and not ${loginAttempts.ok} and ${recent})::int`,
      user: sql<number>`count(*) filter (where ${user} and not ${loginAttempts.ok} and ${recent})::int`,
      knownAddress: sql<boolean>`coalesce(bool_or(${user} and ${address} and ${loginAttempts.ok}), false)`,
    })
    .from(loginAttempts)
    .where(
      sql`(${user} or ${address}) and ${loginAttempts.at} > now() - make_interval(days => ${LOGIN_MEMORY_DAYS})`,
    );
  return row!;
}

export async function recordLoginAttempt(
  db: Db,
  attempt: { userTag: string; address: string; ok: boolean },
): Promise<void> {
  await db.insert(loginAttempts).values(attempt);
  if (attempt.ok) {
    await db
      .delete(loginAttempts)
      .where(sql`${loginAttempts.at} < now() - make_interval(days => ${LOGIN_MEMORY_DAYS})`);
  }
}
