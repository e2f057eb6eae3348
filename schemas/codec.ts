import { z } from 'zod';

const Base64 = z
  .string()
  .max(4 * 1024 * 1024)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

/** Temporal's `Payloads` in protobuf JSON, as the Web UI and the CLI send them to a codec server. */
export const CodecPayloads = z
  .strictObject({
    payloads: z
      .array(
        z.object({
          metadata: z.record(z.string().max(200), Base64).optional(),
          data: Base64.optional(),
        }),
      )
      .max(1_000)
      // Protobuf JSON leaves out an empty list: the CLI sends `{}` for no payloads.
      .default([]),
  })
  .meta({ id: 'CodecPayloads' });
export type CodecPayloads = z.infer<typeof CodecPayloads>;
