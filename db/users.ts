import { eq, sql } from 'drizzle-orm';
import type { Db } from './client';
import { revokedTokens, users, type UserRow } from './schema';

export async function findUserByUsername(db: Db, username: string): Promise<UserRow | null> {
  const [row] = await db.select().from(users).where(eq(users.username, username)).limit(1);
  return row ?? null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function findUserById(db: Db, id: string): Promise<UserRow | null> {
  if (!UUID.test(id)) return null;
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row ?? null;
}

/** The user a token names, and whether that token (by its `jti`) was logged out: one query per request. */
export async function findSessionUser(
  db: Db,
  id: string,
  jti: string,
): Promise<(UserRow & { revoked: boolean }) | null> {
  if (!UUID.test(id)) return null;
  const [row] = await db
    .select({
      user: users,
      revoked: sql<boolean>`exists (select 1 from ${revokedTokens} where ${revokedTokens.jti} = ${jti})`,
    })
    .from(users)
    .where(eq(users.id, id))
    .limit(1);
  return row ? { ...row.user, revoked: row.revoked } : null;
}

/** Logs a token out until it expires; rows of tokens already expired go at the same time. */
export async function revokeToken(db: Db, jti: string, expiresAt: Date): Promise<void> {
  await db.insert(revokedTokens).values({ jti, expiresAt }).onConflictDoNothing();
  await db.delete(revokedTokens).where(sql`${revokedTokens.expiresAt} < now()`);
}

/** A new password: the user's tokens of earlier epochs are refused, but for the one that changed it. */
export async function changePassword(
  db: Db,
  id: string,
  passwordHash: string,
  keptJti: string,
): Promise<void> {
  await db
    .update(users)
    .set({ passwordHash, sessionEpoch: sql`${users.sessionEpoch} + 1`, sessionKeptJti: keptJti })
    .where(eq(users.id, id));
}

export async function upsertUser(db: Db, user: typeof users.$inferInsert): Promise<void> {
  await db
    .insert(users)
    .values(user)
    .onConflictDoUpdate({
      target: users.username,
      set: {
        displayName: user.displayName,
        role: user.role,
        passwordHash: user.passwordHash,
        jurisdictions: user.jurisdictions,
      },
    });
}
