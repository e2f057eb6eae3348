import { eq } from 'drizzle-orm';
import type { Db } from './client';
import { users, type UserRow } from './schema';

export async function findUserByUsername(db: Db, username: string): Promise<UserRow | null> {
  const [row] = await db.select().from(users).where(eq(users.username, username)).limit(1);
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
