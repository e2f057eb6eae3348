import type { Problem } from '../problem';
import { REFUSAL_CODES, type RefusalCode } from '../../../schemas/refusal-codes';
import { en } from './en';
import { t, type MessageKey } from './index';

// The API's problem+json carries a stable `code` beside its English `detail`; the console shows
// the words for the code in the user's language. The type below fails to compile when a code of
// schemas/refusal-codes.ts has no `refusal.<code>` words in the catalogues. A code this console
// does not know yet (a newer server) falls back to the status in the user's language with the
// original detail beside it, so nothing is hidden.

const refusalKey = (code: RefusalCode): MessageKey => `refusal.${code}`;

const isKnown = (code: unknown): code is RefusalCode =>
  typeof code === 'string' && Object.prototype.hasOwnProperty.call(REFUSAL_CODES, code);

/** The problem in the user's language: the code's words, else the status and the detail. */
export function problemMessage(problem: Problem): { message: string; original?: string } {
  if (problem.status === 0) return { message: t('problem.network') };
  if (isKnown(problem.code)) return { message: t(refusalKey(problem.code)) };
  const detail = problem.detail ?? '';
  const key = `problem.${problem.status}` as MessageKey;
  const message = key in en ? t(key) : t('problem.generic', { status: problem.status });
  return detail ? { message, original: t('problem.original', { detail }) } : { message };
}

/**
 * A field's message (problem `errors[]`) in the user's language. A refusal with its own code
 * (a time out of range, a duplicate person) marks the field with that code's words; a general
 * validation failure with what the field's message says is wrong.
 */
export function fieldMessage(problem: Problem, message: string): string {
  if (isKnown(problem.code) && problem.code !== 'validation_failed') return t(refusalKey(problem.code));
  if (/birthDate does not match/.test(message)) return t('problem.fieldBirthDate');
  if (/phone number/.test(message)) return t('problem.fieldPhone');
  if (/^idNumber must be 18/.test(message)) return t('handover.idLength', { count: '?' });
  if (/^idNumber check digit/.test(message)) return t('handover.idCheck');
  if (/^idNumber the birth date/.test(message)) return t('handover.idDate');
  if (/required|too_small|Too small|expected string, received undefined/i.test(message))
    return t('problem.fieldRequired');
  return t('problem.fieldInvalid');
}
