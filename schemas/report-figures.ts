import type { SERVICE_ACTIONS, SERVICE_AREAS } from './services';

// The monthly report's figures, without zod, so that the web console shares them as they are.

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The plain figures, in the order the report shows them. */
export const FIGURES = [
  'casesOpened',
  'releases',
  'reportedIn',
  'homeVisits',
  'contacts',
  'tests',
  'testsPositive',
  'testsRefused',
  'activeCases',
] as const;
export type Figure = (typeof FIGURES)[number];

export type MonthlyFigures = Record<Figure, number> & {
  services: Record<(typeof SERVICE_AREAS)[number], Record<(typeof SERVICE_ACTIONS)[number], number>>;
};
export type MonthlyReport = {
  jurisdiction: string;
  month: string;
  figures: MonthlyFigures;
  previous: { month: string; figures: MonthlyFigures }[];
};
