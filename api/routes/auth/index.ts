import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { findUserByUsername } from '../../../db/users';
import { LoginBody, LoginReply } from '../../../schemas/auth';
import { Problem } from '../../../schemas/problem';
import type { AppDeps } from '../../app';
import { HttpProblem } from '../../errors';
import { verifyPassword } from '../../passwords';

const authRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, tokenTtlSeconds }) => {
  app.post(
    '/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Log in with a username and password; returns a bearer token',
        body: LoginBody,
        response: { 200: LoginReply, 401: Problem, 422: Problem },
      },
    },
    async (request) => {
      const { username, password } = request.body;
      const user = await findUserByUsername(db.db, username);
      const ok = await verifyPassword(password, user && !user.disabledAt ? user.passwordHash : null);
      if (!user || !ok) {
        request.log.warn({ event: 'login_failed' }, 'login failed');
        throw new HttpProblem(401, 'wrong username or password');
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
