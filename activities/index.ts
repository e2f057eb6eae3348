import { ApplicationFailure } from '@temporalio/activity';
import type { CaseInput } from '../workflows/case/messages';
import type { CaseSync } from '../workflows/case/messages';
import { insertCase, type InsertCaseResult } from '../db/cases';
import { applyCaseSync, countAttempt, findNotification, markDelivered } from '../db/case-sync';
import type { Db } from '../db/client';
import { initialPhase } from '../schemas/catalogue';
import { deliverOnce, outbound, type NotificationChannel } from './notifier';
import { createRoundActivities } from './daily-rounds';

export interface ActivityDeps {
  db: Db;
  channels: NotificationChannel[];
}

/** PostgreSQL's SQLSTATE of an error or of one of its causes. */
function sqlState(error: unknown): string | null {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return null;
}

/**
 * A data exception (SQLSTATE class 22: a value out of range, a character the column cannot hold)
 * fails the same way on every attempt: non-retryable, named by its kind and never its values (R21).
 */
function asPermanent(error: unknown): unknown {
  const state = sqlState(error);
  if (!state?.startsWith('22')) return error;
  return ApplicationFailure.create({
    type: 'DataException',
    message: `the database cannot store this data (SQLSTATE ${state})`,
    nonRetryable: true,
  });
}

/** Thin adapters from the workflow to the outside world; each idempotent by its business key. */
export function createActivities({ db, channels }: ActivityDeps) {
  return {
    /** Idempotent by case id: a retry after a lost reply finds the row and succeeds. */
    async recordCase(input: CaseInput): Promise<InsertCaseResult> {
      const { opening } = input;
      const openedAt = new Date(input.openedAt);
      const police = opening.origin === 'police_order' ? opening : null;
      const facility = opening.origin === 'police_order' ? null : opening;
      return insertCase(db, {
        id: input.caseId,
        personName: opening.person.name,
        idNumber: opening.person.idNumber,
        birthDate: opening.person.birthDate ?? null,
        sex: opening.person.sex ?? null,
        phone: opening.person.phone ?? null,
        residenceAddress: opening.person.residenceAddress,
        registeredAddress: opening.person.registeredAddress ?? null,
        origin: police ? 'police_order' : 'facility',
        facilityName: facility?.facility.name ?? null,
        measure: opening.measure,
        expectedReleaseAt: facility ? new Date(facility.expectedReleaseAt) : null,
        decisionAuthority: police?.decision.authority ?? null,
        decidedAt: police ? new Date(police.decision.decidedAt) : null,
        decisionDocumentNo: police?.decision.documentNo ?? null,
        jurisdiction: opening.destination,
        phase: initialPhase(input),
        tier: input.imported?.tier ?? 'stable',
        status: 'open',
        policyVersion: input.policy.version,
        note: opening.note ?? null,
        openedBy: input.openedBy,
        createdAt: openedAt,
        updatedAt: openedAt,
      });
    },

    /**
     * Idempotent by revision and ids: the read model only moves forward. Data the database can
     * never store fails at once, not retried for ever (the workflow goes on without it).
     */
    async syncCase(batch: CaseSync): Promise<void> {
      try {
        await applyCaseSync(db, batch);
      } catch (error) {
        throw asPermanent(error);
      }
    },

    /** Idempotent by notification id: a delivered notification is never sent again. */
    async deliverNotification(id: string): Promise<void> {
      await deliverOnce(id, channels, outbound, {
        find: (key) => findNotification(db, key),
        attempted: (key) => countAttempt(db, key),
        delivered: (key, at) => markDelivered(db, key, at),
      });
    },

    ...createRoundActivities({ db, channels }),
  };
}

export type CaseActivities = ReturnType<typeof createActivities>;
