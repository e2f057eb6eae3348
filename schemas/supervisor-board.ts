import { z } from 'zod';
import { STALL_KINDS, TOLD } from './catalogue';
import { CaseSummary } from './case';
import { JurisdictionCode, Timestamp } from './common';

export const StallKind = z.enum(STALL_KINDS);
export type StallKind = z.infer<typeof StallKind>;
export type { Told } from './catalogue';

export const StalledQuery = z.strictObject({
  jurisdiction: JurisdictionCode.optional(),
  reason: StallKind.optional(),
  caseworker: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** `detail` reads in English; `taskKind` and `told` say the same for a client that words it in its own language. */
export const StallReason = z.object({
  kind: StallKind,
  since: z.string(),
  detail: z.string(),
  taskKind: z.string().nullable().meta({ description: 'the overdue task’s kind; null for engine_failing' }),
  told: z.enum(TOLD).meta({ description: 'who has been told so far' }),
});
export type StallReason = z.infer<typeof StallReason>;
export const StalledCase = z
  .object({ case: CaseSummary, reasons: z.array(StallReason) })
  .meta({ id: 'StalledCase' });
export const StalledList = z.array(StalledCase);

export const ScopeQuery = z.strictObject({ jurisdiction: JurisdictionCode.optional() });

export const Caseload = z
  .object({
    caseworker: z.string().nullable().meta({ description: 'null: the cases nobody is assigned to yet' }),
    displayName: z.string().nullable(),
    openCases: z.number().int(),
    byTier: z.object({ stable: z.number().int(), key: z.number().int(), abnormal: z.number().int() }),
    overdueTasks: z.number().int(),
    delegatedCases: z
      .number()
      .int()
      .meta({ description: 'R23: of openCases, those whose daily work another street does' }),
    ratio: z.string().meta({ description: 'the policy ratio, e.g. 1:20' }),
    overRatio: z.boolean(),
  })
  .meta({ id: 'Caseload' });
export const CaseloadList = z.array(Caseload);

export const KpiQuery = z.strictObject({
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  jurisdiction: JurisdictionCode.optional(),
});

export const Kpi = z
  .object({ value: z.number().nullable(), numerator: z.number(), denominator: z.number() })
  .meta({ id: 'Kpi' });
export const Kpis = z.object({
  from: z.string(),
  to: z.string(),
  reportInRate: Kpi,
  executionRate: Kpi,
  controlRate: Kpi,
  consolidationRate: Kpi,
  firstVisitOnTimeRate: Kpi,
  testCompletionRate: Kpi,
  medianHoursReleaseToFirstVisit: Kpi,
});
