import { eq } from 'drizzle-orm';
import type { Db } from './client';
import { users, type UserRow } from './schema';

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
