// The workflows the worker bundles. Only workflow code here: no Node built-ins, no zod, no db.
export { caseFollowUp } from './case/workflow';
export { dailyRounds } from './daily-rounds';
