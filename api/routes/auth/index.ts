import { createHmac, hkdfSync } from 'node:crypto';
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { DEFAULT_OFFLINE_KEEP_HOURS } from '../../../config/config';
import { countLoginAttempts, recordLoginAttempt } from '../../../db/login-attempts';
import { findUserByUsername } from '../../../db/users';
import { LoginBody, LoginReply } from '../../../schemas/auth';
import { Problem } from '../../../schemas/problem';
import type { AppDeps } from '../../app';
import { HttpProblem } from '../../errors';
import { verifyPassword } from '../../passwords';

/**
 * Login throttling, counted in the database so it holds across API processes. Failures in the last
 * 15 minutes: 5 for one username from one address locks that pair only; 20 from one address
 * (whatever the usernames: password spraying) locks that address; 20 for one username (from
 * whatever addresses) locks that username everywhere except the addresses it has logged in from
 * in the last 30 days, where the right password still works, so nobody can lock a user out by
 * failing on purpose. A locked attempt is a 429 with Retry-After, before the password is checked.
 */
export const LOGIN_THROTTLE = { windowSeconds: 15 * 60, pair: 5, address: 20, user: 20 };

/**
 * The key of a user's offline outbox on one browser (docs/security.md "The console offline"): the
 * same at each of their logins there, so what waits survives a closed tab, and never stored in the
 * browser in usable form. HKDF of the token secret, with its own salt so it is no token's key.
 */
export function vaultKey(tokenSecret: string, userId: string, device: string): string {
  return Buffer.from(
    hkdfSync('sha256', tokenSecret, 'console-offline-vault', `${userId}\n${device}`, 32),
  ).toString('base64url');
}

const authRoutes: FastifyPluginAsyncZod<AppDeps> = async (
  app,
  { db, tokenTtlSeconds, tokenSecret, offlineKeepSeconds = DEFAULT_OFFLINE_KEEP_HOURS * 3_600 },
) => {
  // Failures are logged with a keyed hash of the username, never the name or the password, so
  // an attack on one account can be followed in the logs without the logs naming anyone.
  const userTag = (username: string) =>
    createHmac('sha256', tokenSecret).update(username).digest('base64url').slice(0, 16);
  app.post(
    '/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Log in with a username and password; returns a bearer token',
        body: LoginBody,
        response: { 200: LoginReply, 401: Problem, 422: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      const { username, password, device } = request.body;
      const who = { userTag: userTag(username), address: request.ip };
      const counts = await countLoginAttempts(db.db, who, LOGIN_THROTTLE.windowSeconds);
      if (
        counts.pair >= LOGIN_THROTTLE.pair ||
        counts.address >= LOGIN_THROTTLE.address ||
        (counts.user >= LOGIN_THROTTLE.user && !counts.knownAddress)
      ) {
        request.log.warn(
          { event: 'login_throttled', ip: request.ip, userTag: who.userTag },
          'login throttled',
        );
        reply.header('retry-after', String(LOGIN_THROTTLE.windowSeconds));
        throw new HttpProblem(429, 'rate_limited', 'too many failed logins; try again later');
      }
      const user = await findUserByUsername(db.db, username);
      const ok = await verifyPassword(password, user && !user.disabledAt ? user.passwordHash : null);
      await recordLoginAttempt(db.db, { ...who, ok: !!user && ok });
      if (!user || !ok) {
        request.log.warn(
          { event: 'login_failed', ip: request.ip, userTag: userTag(username) },
          'login failed',
        );
        throw new HttpProblem(401, 'wrong_credentials', 'wrong username or password');
      }
      const claims = {
        sub: user.id,
        username: user.username,
        role: user.role,
        jurisdictions: user.jurisdictions,
      };
      const token = await app.jwt.sign(claims);
      return {
        token,
        expiresAt: new Date(Date.now() + tokenTtlSeconds * 1000).toISOString(),
        user: {
          id: user.id,
          username: user.username,
          displayName: user.displayName,
          role: user.role,
          jurisdictions: user.jurisdictions,
        },
        offline: {
          keepSeconds: offlineKeepSeconds,
          ...(device ? { vaultKey: vaultKey(tokenSecret, user.id, device) } : {}),
        },
      };
    },
  );
};

export default authRoutes;
