import { createHmac, hkdfSync, randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DEFAULT_OFFLINE_KEEP_HOURS } from '../../../config/config';
import { claimLoginAttempt, settleLoginAttempt, type LoginLimits } from '../../../db/login-attempts';
import { changePassword, findUserById, findUserByUsername, revokeToken } from '../../../db/users';
import { ROLES } from '../../../schemas/common';
import { LoginBody, LoginReply, PasswordChangeBody } from '../../../schemas/auth';
import { Problem } from '../../../schemas/problem';
import type { AppDeps } from '../../deps';
import { HttpProblem } from '../../errors';
import { hashPassword, passwordWeakness, verifyPassword } from '../../passwords';

/**
 * Login throttling (api.md v1.2 "Throttling that cannot be turned against users"), counted in the
 * database so it holds across API processes, and counted atomically (db/login-attempts.ts): an
 * attempt is recorded, as a failure until its password proves right, before the password is
 * checked, so parallel guesses cannot race past the limits. In the last 15 minutes:
 * - 5 failures of one username from one address lock that pair;
 * - 20 failures from one address, whatever the usernames (password spraying), lock that address
 *   for every username not known there;
 * - 20 failures of one username, from whatever addresses, lock that username everywhere but where
 *   it is known;
 * - 60 successful logins from one address (any usernames) hold further logins from there.
 * "Known": the username logged in from the address in the last 30 days. So failures from
 * elsewhere never refuse the right password from where the user works. The address is the
 * client's as `TRUST_PROXY` says (README "Behind a reverse proxy"). A refusal is a 429 with
 * Retry-After, before the password is checked. A wrong current password at POST /password counts
 * as a failed login.
 */
export const LOGIN_THROTTLE: LoginLimits = {
  windowSeconds: 15 * 60,
  pair: 5,
  address: 20,
  user: 20,
  logins: 60,
};

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
  /** Claims a throttled attempt for `who` (db/login-attempts.ts), or refuses with 429. */
  const claimAttempt = async (
    who: { userTag: string; address: string },
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<number> => {
    const claim = await claimLoginAttempt(db.db, who, LOGIN_THROTTLE);
    if (claim.allowed) return claim.attemptId;
    request.log.warn(
      { event: 'login_throttled', why: claim.why, ip: request.ip, userTag: who.userTag },
      'login throttled',
    );
    reply.header('retry-after', String(LOGIN_THROTTLE.windowSeconds));
    throw new HttpProblem(
      429,
      'rate_limited',
      claim.why === 'failures'
        ? 'too many failed logins; try again later'
        : 'too many logins from this address; try again later',
    );
  };

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
      const attemptId = await claimAttempt(who, request, reply);
      const user = await findUserByUsername(db.db, username);
      const ok = await verifyPassword(password, user && !user.disabledAt ? user.passwordHash : null);
      await settleLoginAttempt(db.db, attemptId, !!user && ok);
      if (!user || !ok) {
        request.log.warn({ event: 'login_failed', ip: request.ip, userTag: who.userTag }, 'login failed');
        throw new HttpProblem(401, 'wrong_credentials', 'wrong username or password');
      }
      const claims = {
        sub: user.id,
        username: user.username,
        role: user.role,
        jurisdictions: user.jurisdictions,
        jti: randomUUID(),
        ep: user.sessionEpoch,
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

  app.post(
    '/logout',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['auth'],
        summary: 'Log out: this token is refused from now on, in every API process',
        response: { 204: z.null().meta({ description: 'logged out' }), 401: Problem },
      },
    },
    async (request, reply) => {
      const { jti, exp } = request.user;
      const expiresAt = new Date((exp ?? Math.ceil(Date.now() / 1000) + tokenTtlSeconds) * 1000);
      await revokeToken(db.db, jti, expiresAt);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/password',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['auth'],
        summary:
          "Change one's password: the user's other tokens are refused from now on; the token used stays valid",
        body: PasswordChangeBody,
        response: {
          204: z.null().meta({ description: 'changed' }),
          401: Problem,
          422: Problem,
          429: Problem,
        },
      },
    },
    async (request, reply) => {
      const { current, next } = request.body;
      const user = await findUserById(db.db, request.user.sub);
      if (!user) throw new HttpProblem(401, 'unauthenticated', 'log in again');
      const who = { userTag: userTag(user.username), address: request.ip };
      const attemptId = await claimAttempt(who, request, reply);
      const ok = await verifyPassword(current, user.passwordHash);
      await settleLoginAttempt(db.db, attemptId, ok);
      if (!ok) {
        request.log.warn(
          { event: 'password_change_refused', ip: request.ip, userTag: who.userTag },
          'current password wrong',
        );
        throw new HttpProblem(422, 'current_password_wrong', 'the current password is wrong');
      }
      const weakness = passwordWeakness(next, user.username);
      if (weakness) throw new HttpProblem(422, 'password_too_weak', weakness);
      await changePassword(db.db, user.id, await hashPassword(next), request.user.jti);
      request.log.info({ event: 'password_changed', userTag: who.userTag }, 'password changed');
      return reply.code(204).send(null);
    },
  );
};

export default authRoutes;
