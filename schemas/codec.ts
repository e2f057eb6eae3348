import { z } from 'zod';

const Base64 = z
  .string()
  .max(4 * 1024 * 1024)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

/** Temporal's metadata keys (`encoding`, `encryption-key-id` …): never `__proto__`, NUL or spaces. */
const METADATA_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

/** Temporal's `Payloads` in protobuf JSON, as the Web UI and the CLI send them to a codec server. */
export const CodecPayloads = z
  .strictObject({
    payloads: z
      .array(
        // Strict, as documented: an unknown field is refused, not silently dropped from a payload.
        z.strictObject({
          metadata: z
            .record(z.string().regex(METADATA_KEY, 'must be a metadata key'), Base64)
            // zod leaves a record's key schema out of JSON Schema; the document says it here.
            .meta({ propertyNames: { pattern: METADATA_KEY.source } })
            .optional(),
          data: Base64.optional(),
        }),
      )
      .max(1_000)
      // Protobuf JSON leaves out an empty list: the CLI sends `{}` for no payloads.
      .default([]),
  })
  .meta({ id: 'CodecPayloads' });
export type CodecPayloads = z.infer<typeof CodecPayloads>;
