import { z } from 'zod';

export const SummaryQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(60).default(7),
});

/** A caseworker's daily summary (issue 18): counts only, never who the tasks are about. */
export const DailySummary = z
  .object({
    id: z.string(),
    period: z.object({ start: z.string(), end: z.string() }),
    counts: z.object({
      due: z.number().int().meta({ description: 'open tasks due within the day' }),
      wentOverdue: z
        .number()
        .int()
        .meta({ description: 'tasks that fell due since the last summary and are not done' }),
      overdue: z.number().int().meta({ description: 'all open tasks past their due time at the round' }),
      escalated: z.number().int().meta({
        description: "notifications the engine sent about the caseworker's cases since the last summary",
      }),
    }),
    createdAt: z.string(),
    status: z.enum(['pending', 'delivered']),
    deliveredAt: z.string().nullable(),
  })
  .meta({ id: 'DailySummary' });
export type DailySummary = z.infer<typeof DailySummary>;

export const SummaryList = z.object({ items: z.array(DailySummary) });
