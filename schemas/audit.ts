import { z } from 'zod';
import { CaseId, Timestamp } from './common';

export const AuditQuery = z.strictObject({
  caseId: CaseId.optional(),
  actor: z.string().min(1).max(100).optional(),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'must be a cursor this API returned')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditEntryView = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actor: z.object({ id: z.string(), username: z.string(), role: z.string() }),
    action: z.string().meta({ description: 'case.read, case.list, case.create …' }),
    caseIds: z.array(z.string()).meta({ description: 'the cases concerned within your jurisdictions' }),
    route: z.string(),
    reason: z.string().meta({ description: 'X-Audit-Reason as sent, or the route as the default purpose' }),
    requestId: z.string(),
    hash: z.string(),
    prevHash: z.string(),
  })
  .meta({ id: 'AuditEntry' });

export const AuditList = z.object({ items: z.array(AuditEntryView), nextCursor: z.string().nullable() });
