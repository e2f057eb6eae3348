import { eq, inArray } from 'drizzle-orm';
import type { Db } from './client';
import { jurisdictions, users } from './schema';

export type AdminResult = { ok: boolean; message: string };

/** A new jurisdiction; its parent is its code without the last part, and must exist already. */
export async function addJurisdiction(db: Db, code: string, name: string): Promise<AdminResult> {
  const parentCode = code.includes('.') ? code.slice(0, code.lastIndexOf('.')) : null;
  if (parentCode) {
    const [parent] = await db.select().from(jurisdictions).where(eq(jurisdictions.code, parentCode));
    if (!parent) return { ok: false, message: `unknown parent jurisdiction ${parentCode}: add it first` };
  }
  const inserted = await db
    .insert(jurisdictions)
    .values({ code, name, parentCode })
    .onConflictDoNothing()
    .returning();
  if (inserted.length === 0) return { ok: false, message: `jurisdiction ${code} already exists` };
  return {
    ok: true,
    message: `jurisdiction ${code} (${name}) added${parentCode ? ` under ${parentCode}` : ''}`,
  };
}

export async function addUser(db: Db, user: typeof users.$inferInsert): Promise<AdminResult> {
  const known = await db
    .select({ code: jurisdictions.code })
    .from(jurisdictions)
    .where(inArray(jurisdictions.code, user.jurisdictions));
  const missing = user.jurisdictions.filter((code) => !known.some((row) => row.code === code));
  if (missing.length > 0) return { ok: false, message: `unknown jurisdiction ${missing.join(', ')}` };
  const inserted = await db.insert(users).values(user).onConflictDoNothing().returning({ id: users.id });
  if (inserted.length === 0) return { ok: false, message: `user ${user.username} already exists` };
  return {
    ok: true,
    message: `user ${user.username} added: ${user.role} of ${user.jurisdictions.join(', ')}`,
  };
}

export async function disableUser(db: Db, username: string): Promise<AdminResult> {
  const updated = await db
    .update(users)
    .set({ disabledAt: new Date() })
    .where(eq(users.username, username))
    .returning({ id: users.id });
  if (updated.length === 0) return { ok: false, message: `no user ${username}` };
  return { ok: true, message: `user ${username} disabled; their tokens stop working when they expire` };
}
