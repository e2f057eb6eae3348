import type { RefusalCode } from '../../schemas/refusal-codes';

/** An RFC 9457 problem as the API sends it (api.md "Conventions", "Refusals carry a code"). */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  /** The stable code the console translates (schemas/refusal-codes.ts); absent on a network failure. */
  code?: RefusalCode | (string & {});
  detail?: string;
  errors?: { path: string; message: string }[];
}
