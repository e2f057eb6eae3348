import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { COMMON_PASSWORDS } from '../config/common-passwords';

// scrypt, memory-hard, from node:crypto. Stored as `scrypt$N$r$p$salt$hash` (base64) so the
// cost can be raised later without invalidating existing hashes.
const COST = { N: 16_384, r: 8, p: 1 };
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

const DUMMY = `scrypt$${COST.N}$${COST.r}$${COST.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_LENGTH).toString('base64')}`;

/** Constant work whether or not the user exists, so timing does not tell usernames apart. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = (stored ?? DUMMY).split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const key = await scrypt(password, Buffer.from(salt, 'base64'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  const expected = Buffer.from(hash, 'base64');
  return stored !== null && key.length === expected.length && timingSafeEqual(key, expected);
}

/** The shortest new password accepted (api.md v1.2 "Sessions and accounts"). */
export const MIN_PASSWORD_LENGTH = 12;

/** Why a new password is refused, in words for the detail; null when it is acceptable. */
export function passwordWeakness(next: string, username: string): string | null {
  if ([...next].length < MIN_PASSWORD_LENGTH) {
    return `the new password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  }
  const folded = next.trim().toLowerCase();
  if (folded === username.toLowerCase()) return 'the new password must not be the username';
  if (COMMON_PASSWORDS.has(folded)) return 'the new password is one of the most common passwords';
  return null;
}
