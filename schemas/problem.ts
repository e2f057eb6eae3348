import { z } from 'zod';
import { REFUSAL_CODE_LIST } from './refusal-codes';

/** RFC 9457 problem details, the body of every error response. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z
      .enum(REFUSAL_CODE_LIST)
      .meta({ description: 'stable code of the refusal (README: refusal codes)' }),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;
