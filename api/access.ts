import { findCase } from '../db/cases';
import type { Db } from '../db/client';
import type { CaseRow } from '../db/schema';
import { isWithin } from '../db/scope';
import { decide, type Action, type Side } from '../schemas/access';
import type { Caller } from './auth';
import { HttpProblem } from './errors';

// Every case route decides who may do what through here, by the one table of schemas/access.ts.

type Sided = Pick<CaseRow, 'jurisdiction' | 'transferTo' | 'delegatedTo'>;

/** The sides the caller's jurisdictions put them on for this case (R15, R23). */
export function sidesOf(row: Sided, caller: Pick<Caller, 'jurisdictions'>): Side[] {
  const sides: Side[] = [];
  const within = (code: string | null) => code !== null && isWithin(code, caller.jurisdictions);
  if (within(row.jurisdiction)) sides.push('responsible');
  else if (within(row.transferTo)) sides.push('receiving_before_arrival');
  if (within(row.delegatedTo)) sides.push('delegate');
  return sides;
}

/** Throws the table's refusal (403, 404 exactly as a missing case, 409) unless the caller may act. */
export function authorize(caller: Caller, row: Sided, action: Action): Side {
  const decision = decide(caller.role, sidesOf(row, caller), action);
  if (!decision.allowed) throw new HttpProblem(decision.status, decision.code, decision.detail);
  return decision.side;
}

/** The case, if the caller may take `action` on it; else the table's refusal. */
export async function caseFor(db: Db, caller: Caller, id: string, action: Action): Promise<CaseRow> {
  const row = await findCase(db, id, caller.jurisdictions, caller.role);
  const decision = decide(caller.role, row ? sidesOf(row, caller) : [], action);
  if (!decision.allowed) throw new HttpProblem(decision.status, decision.code, decision.detail);
  return row!;
}

/** The caller's scope, narrowed to `jurisdiction` when it lies within it. */
export function scopeOf(caller: Caller, jurisdiction?: string): string[] {
  if (!jurisdiction) return caller.jurisdictions;
  if (!isWithin(jurisdiction, caller.jurisdictions)) {
    throw new HttpProblem(400, 'jurisdiction_not_yours', 'the jurisdiction is not within yours', [
      { path: 'querystring.jurisdiction', message: `outside your jurisdictions: ${jurisdiction}` },
    ]);
  }
  return [jurisdiction];
}
