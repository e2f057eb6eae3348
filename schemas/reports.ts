import { z } from 'zod';
import { JurisdictionCode } from './common';
import { FIGURES, XLSX_TYPE } from './report-figures';
import { SERVICE_ACTIONS, SERVICE_AREAS } from './services';

// The monthly report for the 禁毒办 (api.md "Reports, exports and documents"; docs/reports.md
// says what each figure counts).

export const Month = z
  .string()
  .regex(/^(19[7-9]\d|20\d\d|2100)-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM between 1970 and 2100');

export const MonthlyQuery = z.strictObject({
  jurisdiction: JurisdictionCode.optional().meta({ description: 'default: your first jurisdiction' }),
  month: Month.optional().meta({ description: 'YYYY-MM in China Standard Time; default: this month' }),
  format: z
    .enum(['json', 'xlsx'])
    .optional()
    .meta({ description: 'or Accept: ' + XLSX_TYPE }),
});

const ServiceCounts = z.object(
  Object.fromEntries(
    SERVICE_AREAS.map((area) => [
      area,
      z.object(Object.fromEntries(SERVICE_ACTIONS.map((action) => [action, z.number().int()]))),
    ]),
  ),
);

export const MonthlyFigures = z
  .object({
    ...Object.fromEntries(FIGURES.map((f) => [f, z.number().int()])),
    services: ServiceCounts,
  })
  .meta({ id: 'MonthlyFigures' });

export const MonthlyReport = z
  .object({
    jurisdiction: z.string(),
    month: z.string(),
    figures: MonthlyFigures,
    previous: z
      .array(z.object({ month: z.string(), figures: MonthlyFigures }))
      .meta({ description: 'the twelve months before, oldest first' }),
  })
  .meta({ id: 'MonthlyReport' });
