import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/client';
import { findSessionUser } from '../db/users';
import type { Role } from '../schemas/common';
import { HttpProblem } from './errors';

export interface Caller {
  sub: string;
  username: string;
  role: Role;
  jurisdictions: string[];
}

/** What a token carries besides the caller: its id (logout revokes it) and the user's session epoch. */
export interface Session {
  jti: string;
  /** `users.session_epoch` when it was issued; a password change moves the user's on. */
  ep: number;
  /** Expiry (seconds since the epoch), set by the signer. */
  exp?: number;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: Caller & Partial<Session>;
    user: Caller & Session;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a token (login, health, docs). */
    public?: boolean;
    /** The roles allowed on this route; a non-public route must name them. */
    roles?: readonly Role[];
  }
}

/** Paths behind a token: the API and the codec endpoint (the Temporal Web UI's decoder). */
const PROTECTED = ['/v1/', '/codec/'];
const isProtected = (url: string | undefined) => PROTECTED.some((prefix) => url?.startsWith(prefix));

/**
 * Deny by default: every route needs a valid token unless it is marked public, and every
 * non-public route must declare its roles — a route that forgets is refused at start.
 */
export const authPlugin = fp<{ secret: string; ttlSeconds: number; db: Db }>(
  async (app: FastifyInstance, options) => {
    await app.register(fastifyJwt, { secret: options.secret, sign: { expiresIn: options.ttlSeconds } });

    app.addHook('onRoute', (route) => {
      const config = route.config as { public?: boolean; roles?: readonly Role[] } | undefined;
      // CORS preflights (OPTIONS) carry no token by design and answer with headers only.
      if (!config?.public && !config?.roles?.length && isProtected(route.url) && route.method !== 'OPTIONS') {
        throw new Error(`route ${route.method} ${route.url} declares neither public nor roles`);
      }
    });

    app.addHook('onRequest', async (request: FastifyRequest) => {
      const config = request.routeOptions.config;
      if (config.public || !isProtected(request.routeOptions.url) || request.method === 'OPTIONS') return;
      try {
        await request.jwtVerify();
      } catch {
        throw new HttpProblem(
          401,
          'unauthenticated',
          'a valid bearer token is required; log in at POST /v1/auth/login',
        );
      }
      // The user record decides, not the token: a disabled user is out at once, and a changed
      // role or jurisdiction applies to the next request, not when the token expires. The same
      // query says whether this token was logged out; a token of an earlier session epoch (the
      // password changed since) is refused unless it is the one that changed it. A token without
      // an id (issued before v1.2) cannot be logged out, so it is refused: log in again.
      const { sub, jti, ep } = request.user;
      const user = typeof jti === 'string' ? await findSessionUser(options.db, sub, jti) : null;
      if (
        !user ||
        user.disabledAt ||
        user.revoked ||
        ((ep ?? 0) !== user.sessionEpoch && jti !== user.sessionKeptJti)
      ) {
        throw new HttpProblem(
          401,
          'unauthenticated',
          'a valid bearer token is required; log in at POST /v1/auth/login',
        );
      }
      request.user = { ...request.user, role: user.role, jurisdictions: user.jurisdictions };
      if (!config.roles?.includes(request.user.role)) {
        throw new HttpProblem(403, 'forbidden', `the ${request.user.role} role may not do this`);
      }
    });
  },
);
