import type { CaseInput } from '../workflows/case-follow-up.messages';
import { insertCase, type InsertCaseResult } from '../db/cases';
import type { Db } from '../db/client';

export interface ActivityDeps {
  db: Db;
}

/** Thin adapters from the workflow to the outside world; each idempotent by its business key. */
export function createActivities({ db }: ActivityDeps) {
  return {
    /** Idempotent by case id: a retry after a lost reply finds the row and succeeds. */
    async recordCase(input: CaseInput): Promise<InsertCaseResult> {
      const { opening } = input;
      const openedAt = new Date(input.openedAt);
      return insertCase(db, {
        id: input.caseId,
        personName: opening.person.name,
        idNumber: opening.person.idNumber,
        birthDate: opening.person.birthDate ?? null,
        sex: opening.person.sex ?? null,
        phone: opening.person.phone ?? null,
        residenceAddress: opening.person.residenceAddress,
        facilityName: opening.facility.name,
        measure: opening.measure,
        expectedReleaseAt: new Date(opening.expectedReleaseAt),
        jurisdiction: opening.destination,
        phase: 'pre_release',
        tier: 'stable',
        status: 'open',
        policyVersion: input.policy.version,
        note: opening.note ?? null,
        openedBy: input.openedBy,
        createdAt: openedAt,
        updatedAt: openedAt,
      });
    },
  };
}

export type CaseActivities = ReturnType<typeof createActivities>;
