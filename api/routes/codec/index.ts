import fastifyCors from '@fastify/cors';
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import type { Payload } from '@temporalio/common';
import { CodecPayloads } from '../../../schemas/codec';
import { Problem } from '../../../schemas/problem';
import type { AppDeps } from '../../app';
import { HttpProblem } from '../../errors';

const fromJson = ({ payloads }: CodecPayloads): Payload[] =>
  payloads.map((p) => ({
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
    ),
    data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
  }));

const toJson = (payloads: Payload[]): CodecPayloads => ({
  payloads: payloads.map((p) => ({
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v ?? new Uint8Array()).toString('base64'),
      ]),
    ),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  })),
});

/**
 * The codec server protocol of Temporal (`POST …/encode`, `POST …/decode`), so an authorised
 * operator's Temporal Web UI or CLI can show the plaintext of encrypted payloads. Supervisors
 * only, and every decode is audited: a decoded payload is a read of personal data (R21).
 */
const codecRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, { payloadCodec, codecCorsOrigins }) => {
  await app.register(fastifyCors, {
    origin: codecCorsOrigins,
    methods: ['POST'],
    allowedHeaders: ['content-type', 'authorization', 'x-namespace', 'x-audit-reason'],
    credentials: true,
    maxAge: 600,
  });

  for (const operation of ['encode', 'decode'] as const) {
    app.post(
      `/${operation}`,
      {
        config: { roles: ['supervisor'] },
        // A workflow's input may approach Temporal's 2 MB payload limit, base64 in JSON.
        bodyLimit: 4 * 1024 * 1024,
        schema: {
          tags: ['codec'],
          summary: `Temporal codec server: ${operation} payloads (AES-256-GCM)`,
          body: CodecPayloads,
          response: { 200: CodecPayloads, 400: Problem, 422: Problem },
        },
      },
      async (request) => {
        const payloads = fromJson(request.body);
        let result: Payload[];
        try {
          result = await payloadCodec[operation](payloads);
        } catch {
          throw new HttpProblem(
            422,
            'codec_failed',
            `the payloads could not be ${operation}d (wrong key or damaged data)`,
          );
        }
        if (operation === 'decode') await request.audit({ action: 'payload.decode', cases: [] });
        return toJson(result);
      },
    );
  }
};

export default codecRoutes;
