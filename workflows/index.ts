// The workflows the worker bundles. Only workflow code here: no Node built-ins, no zod, no db.
export { caseFollowUp } from './case-follow-up';
export { dailyRounds } from './daily-rounds';
