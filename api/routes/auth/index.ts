import { createHmac } from 'node:crypto';
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { findUserByUsername } from '../../../db/users';
import { LoginBody, LoginReply } from '../../../schemas/auth';
import { Problem } from '../../../schemas/problem';
import type { AppDeps } from '../../app';
import { HttpProblem } from '../../errors';
import { verifyPassword } from '../../passwords';

// Brute force: 10 attempts a minute per address and username; the 11th is a 429 until the window ends.
export const LOGIN_ATTEMPTS_PER_MINUTE = 10;

const authRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, tokenTtlSeconds, tokenSecret }) => {
  // Failures are logged with a keyed hash of the username, never the name or the password, so
  // an attack on one account can be followed in the logs without the logs naming anyone.
  const userTag = (username: string) =>
    createHmac('sha256', tokenSecret).update(username).digest('base64url').slice(0, 16);
  app.post(
    '/login',
    {
      config: {
        public: true,
        rateLimit: {
          max: LOGIN_ATTEMPTS_PER_MINUTE,
          timeWindow: 60_000,
          // After validation, so the body's username is there to key on.
          hook: 'preHandler',
          keyGenerator: (request) =>
            `${request.ip} ${(request.body as { username?: string } | undefined)?.username ?? ''}`,
        },
      },
      schema: {
        tags: ['auth'],
        summary: 'Log in with a username and password; returns a bearer token',
        body: LoginBody,
        response: { 200: LoginReply, 401: Problem, 422: Problem, 429: Problem },
      },
    },
    async (request) => {
      const { username, password } = request.body;
      const user = await findUserByUsername(db.db, username);
      const ok = await verifyPassword(password, user && !user.disabledAt ? user.passwordHash : null);
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
      };
    },
  );
};

export default authRoutes;
