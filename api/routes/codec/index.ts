import fastifyCors from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import type { Payload } from '@temporalio/common';
import { isEncrypted, payloadScope } from '../../../codec/encryption-codec';
import { findCase, findCaseJurisdiction } from '../../../db/cases';
import { CodecPayloads } from '../../../schemas/codec';
import { Problem } from '../../../schemas/problem';
import { caseIdOfWorkflowId } from '../../../workflows/case/messages';
import type { AppDeps } from '../../deps';
import { HttpProblem, notFound } from '../../errors';

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
 * only; a decode names its cases (each payload's scope tag, bound to its ciphertext), answers 404
 * unless every one is within the caller's jurisdictions, and is audited as a read of each (R21).
 * A payload that is not this codec's comes back unchanged, as the protocol expects; query
 * parameters the Temporal UI and CLI add (`?preserveStorageRefs=true` …) are accepted and unused.
 */
const codecRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, payloadCodec, codecCorsOrigins }) => {
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
          response: { 200: CodecPayloads, 400: Problem, 404: Problem, 422: Problem },
        },
      },
      async (request) => {
        const payloads = fromJson(request.body);
        const cases = operation === 'decode' ? await casesToDecode(request, payloads) : [];
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
        if (operation === 'decode') await request.audit({ action: 'payload.decode', cases });
        return toJson(result);
      },
    );
  }

  /** The cases whose payloads these are, each within the caller's jurisdictions, or a refusal. */
  async function casesToDecode(
    request: FastifyRequest,
    payloads: Payload[],
  ): Promise<{ id: string; jurisdiction: string }[]> {
    const ids = new Set<string>();
    // Temporal's codec protocol returns a payload that is not this codec's unchanged (the SDK's
    // marker payloads, search attributes …): only this codec's own payloads name a case.
    for (const payload of payloads.filter(isEncrypted)) {
      const id = caseIdOfWorkflowId(payloadScope(payload) ?? '');
      // A payload that names no case (encrypted before scope tags) belongs to no jurisdiction.
      if (!id) throw notFound('case for these payloads');
      ids.add(id);
    }
    const cases = [];
    for (const id of ids) {
      const found = await findCase(db.db, id, request.user.jurisdictions);
      if (!found) {
        const elsewhere = await findCaseJurisdiction(db.db, id);
        await request.audit({ action: 'payload.decode.denied', cases: elsewhere ? [elsewhere] : [] });
        throw notFound('case for these payloads');
      }
      cases.push({ id: found.id, jurisdiction: found.jurisdiction });
    }
    return cases;
  }
};

export default codecRoutes;
