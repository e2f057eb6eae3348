import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseDuration } from './duration';

// The policy document (domain.md "Policy is data"): every duration, schedule, ladder step and
// ratio lives here, not in code. Durations are ISO-8601 strings in the file and milliseconds
// once loaded; a case carries the loaded policy in its workflow input, so it keeps the
// version it started with.

const Duration = z.string().transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === null) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is not an ISO-8601 duration in exact units (W, D, H, M, S), e.g. P3D or PT72H`,
    });
    return z.NEVER;
  }
  return ms;
});

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const Schedule = z
  .array(z.strictObject({ until: Duration, every: Duration }))
  .min(1)
  .superRefine((periods, ctx) => {
    periods.forEach((period, i) => {
      if (period.every <= 0)
        ctx.addIssue({ code: 'custom', path: [i, 'every'], message: 'must be positive' });
      const previous = periods[i - 1];
      if (previous && period.until <= previous.until)
        ctx.addIssue({ code: 'custom', path: [i, 'until'], message: 'periods must be in increasing order' });
    });
  });

const PerTier = <T extends z.ZodType>(value: T) =>
  z.strictObject({ stable: value, key: value, abnormal: value });

export const PolicySchema = z.strictObject({
  version: z.string().min(1).max(100),
  title: z.string().min(1),
  /** What counts as a day in counters shown to people (P1D; a second in the accelerated policy). */
  dayLength: Duration,
  deadlines: z.strictObject({
    releaseNoticeAtLeast: Duration, // R1
    releaseConfirmationGrace: Duration, // R1
    pickupGrace: Duration, // R2
    reportInWithin: Duration, // R3
    agreementWithin: Duration, // R5
    firstHomeVisitWithin: Duration, // R6
    transferReportInWithin: Duration, // R15
    tierReviewEvery: Duration, // R10
    /** R10: how long the supervisor has for a periodic tier review; absent (before 2026.3): tests.dueWithin. */
    tierReviewWithin: Duration.optional(),
    endOfControlProposalWithin: Duration, // R19
    /** api.md "Time bounds": how far before the case opened (or an import's own dates) a client may date what happened. */
    backdatingAllowance: Duration.optional(),
    /** api.md v1.2 "Dates that make sense": how old a police order's decision or an import's dates may be. Absent (before 2026.4): P1461D. */
    maxCaseAge: Duration.optional(),
    /** api.md v1.2 "Dates that make sense": how far past a task's due time `extend` may go. Absent (before 2026.4): P90D. */
    maxExtension: Duration.optional(),
  }),
  term: z.strictObject({ community_detox: Duration, community_rehabilitation: Duration }), // R7
  endOfControlAfterAbstinence: Duration, // R19
  tests: PerTier(Schedule).extend({
    unannouncedPerYear: z.number().int().min(0).max(52),
    dueWithin: Duration,
  }), // R8
  contacts: PerTier(Duration).extend({ dueWithin: Duration }), // R9
  ladder: z // R11
    .array(z.strictObject({ after: Duration, notify: z.enum(['caseworker', 'supervisor', 'police']) }))
    .min(1)
    .superRefine((steps, ctx) => {
      steps.forEach((step, i) => {
        const previous = steps[i - 1];
        if (previous && step.after < previous.after)
          ctx.addIssue({
            code: 'custom',
            path: [i, 'after'],
            message: 'ladder steps must be in increasing order',
          });
      });
    }),
  seriousViolation: z.strictObject({
    testsRefused: z.number().int().min(1),
    leavesWithoutNotice: z.number().int().min(1),
    awayWithoutNoticeTotal: Duration,
  }), // R12
  leaveNoticeRequiredFrom: Duration, // R14
  caseload: z.strictObject({ personsPerCaseworker: z.number().int().min(1) }),
  services: z.strictObject({ reviewAfter: PerTier(Duration) }), // R24: a needs assessment is reviewed
  /** Issue 18: the daily rounds (workflows/daily-rounds.ts). Optional: older documents still parse. */
  reminders: z
    .strictObject({
      /** How long before a caseworker task falls due its reminder goes out. */
      leadTime: Duration,
      /** When, after local midnight, each day's round (reminders and summaries) runs. */
      summaryAt: Duration,
      /** Whose calendar days: the summaries' and the console's. */
      timeZone: z.string().refine(isTimeZone, { message: 'is not an IANA time zone, e.g. Asia/Shanghai' }),
    })
    .optional(),
});

export type Policy = z.output<typeof PolicySchema>;

export class PolicyError extends Error {}

/** Parses a policy document; the error names every bad key by its path. */
export function parsePolicy(document: unknown, source: string): Policy {
  const result = PolicySchema.safeParse(document);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  throw new PolicyError(`policy ${source} is invalid:\n${problems.join('\n')}`);
}

export interface LoadedPolicy {
  policy: Policy;
  /** The file as written (ISO durations), for people reading it. */
  document: Record<string, unknown>;
}

export function loadPolicy(path: string): LoadedPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PolicyError(
      `POLICY: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new PolicyError(`policy ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return { policy: parsePolicy(document, path), document: document as Record<string, unknown> };
}
