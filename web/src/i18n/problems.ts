import type { Problem } from '../problem';
import { en } from './en';
import { label, t, type MessageKey } from './index';

// The API's problem+json `detail` is written in English for every client; the console shows it
// in the user's language. Each known detail maps to a message; anything else falls back to the
// status in the user's language with the original detail beside it, so nothing is hidden.

const PHASES = Object.entries(en)
  .filter(([key]) => key.startsWith('why.'))
  .map(([key, words]) => [words, key as MessageKey] as const);
const why = (words: string) => {
  const found = PHASES.find(([phrase]) => phrase === words);
  return found ? t(found[1]) : words;
};

const DETAILS: [RegExp, (match: RegExpMatchArray) => string][] = [
  [/^wrong username or password$/, () => t('problem.wrongCredentials')],
  [/^too many attempts; try again in (\d+) s$/, (m) => t('problem.tooManyAttempts', { seconds: m[1]! })],
  [/^the \w+ role may not do this$/, () => t('problem.roleMayNot')],
  [
    /^the \w+ role may not record (\w+)$/,
    (m) => t('problem.roleMayNotRecord', { event: label('event', m[1]!) }),
  ],
  [/^this person already has an open case/, () => t('problem.duplicateCase')],
  [/^the destination is not a known jurisdiction within yours$/, () => t('problem.destinationNotYours')],
  [/^the receiving jurisdiction is not known$/, () => t('problem.receivingNotKnown')],
  [/^not a caseworker of the case’s jurisdiction$/, () => t('problem.notCaseworkerHere')],
  [/^a report-in is recorded by the receiving jurisdiction$/, () => t('problem.reportInByReceiver')],
  [/^the case is closed$/, () => t('problem.caseClosed')],
  [/^the case is already closed$/, () => t('problem.alreadyClosed')],
  [/^occurredAt is in the future$/, () => t('problem.future')],
  [/^the person has not been released yet/, () => t('problem.notReleased')],
  [
    /^(\w+) cannot be recorded now: (.+)$/,
    (m) => t('problem.cannotRecordNow', { event: label('event', m[1]!), why: why(m[2]!) }),
  ],
  [/^a community agreement is signed after report-in$/, () => t('problem.communityAfterReportIn')],
  [/^the assistance agreement is signed before release$/, () => t('problem.assistanceBeforeRelease')],
  [/^the absence cannot start after it was found$/, () => t('problem.absenceOrder')],
  [/^a transfer cannot start now: (.+)$/, (m) => t('problem.transferNow', { why: why(m[1]!) })],
  [/^the case is already in that jurisdiction$/, () => t('problem.sameJurisdiction')],
  [/^the case has no task /, () => t('problem.noTask')],
  [/^task \w+ is \w+$/, () => t('problem.taskNotOpen')],
  [/^until must be later than the task is due now$/, () => t('problem.untilLater')],
  [/^a request with this Idempotency-Key is still in progress/, () => t('problem.idempotencyBusy')],
  [/^a service this request needs is unavailable/, () => t('problem.unavailable')],
  [/^no such case$/, () => t('case.notFound')],
  [/^the request body is invalid$/, () => t('problem.checkMarked')],
  [/^releaseAt is before the confirmation itself$/, () => t('problem.releaseBeforeConfirmation')],
  [/^the pickup is already recorded$/, () => t('problem.pickupRecorded')],
  [/^until must be after from$/, () => t('problem.untilAfterFrom')],
  [/^until must not be before from$/, () => t('problem.untilNotBeforeFrom')],
  [/^a valid bearer token is required/, () => t('problem.loginRequired')],
  [/^a police-ordered case has no pickup/, () => t('problem.noPickup')],
  [/^the decision date is in the future$/, () => t('problem.decisionFuture')],
  [/^a police-ordered case is registered by/, () => t('problem.policeOrderWho')],
  [/^a facility handover is opened by the facility liaison$/, () => t('problem.handoverWho')],
  [/^the file has no rows below its header$/, () => t('problem.importNoRows')],
  [/^the file could not be read as CSV/, () => t('problem.importNotCsv')],
  [/^the file could not be read as an \.xlsx workbook$/, () => t('problem.importNotXlsx')],
  [/^the workbook has no sheet$/, () => t('problem.importNoSheet')],
  [/^the file lacks the columns ([\w, ]+);/, (m) => t('problem.importMissingColumns', { columns: m[1]! })],
];

/** The problem in the user's language: the known detail translated, else the status and the detail. */
export function problemMessage(problem: Problem): { message: string; original?: string } {
  if (problem.status === 0) return { message: t('problem.network') };
  const detail = problem.detail ?? '';
  for (const [pattern, message] of DETAILS) {
    const match = detail.match(pattern);
    if (match) return { message: message(match) };
  }
  const key = `problem.${problem.status}` as MessageKey;
  const message = key in en ? t(key) : t('problem.generic', { status: problem.status });
  return detail ? { message, original: t('problem.original', { detail }) } : { message };
}

/** A field's validation message (problem `errors[]`), in the user's language. */
export function fieldMessage(message: string): string {
  if (/^an open case exists/.test(message)) return t('problem.duplicateCase');
  if (/birthDate does not match/.test(message)) return t('problem.fieldBirthDate');
  if (/phone number/.test(message)) return t('problem.fieldPhone');
  if (/^idNumber must be 18/.test(message)) return t('handover.idLength', { count: '?' });
  if (/^idNumber check digit/.test(message)) return t('handover.idCheck');
  if (/^idNumber the birth date/.test(message)) return t('handover.idDate');
  if (/required|too_small|Too small|expected string, received undefined/i.test(message))
    return t('problem.fieldRequired');
  return t('problem.fieldInvalid');
}
