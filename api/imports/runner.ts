import type { Client } from '@temporalio/client';
import type { Policy } from '../../config/policy';
import { appendAudit } from '../../db/audit/chain';
import { findCaseJurisdiction } from '../../db/cases';
import type { Db } from '../../db/client';
import {
  analyzeReadModel,
  findImportJob,
  finishImportRow,
  openCasesByIdNumber,
  pendingImportRows,
  setImportStatus,
  unfinishedImports,
  type OpenCaseOf,
} from '../../db/imports';
import { isWithin } from '../../db/scope';
import type { ImportJobRow, ImportRowRow } from '../../db/schema';
import type { ValidImportRow } from '../../schemas/imports';
import type { CaseInput } from '../../workflows/case/messages';
import { newCaseId, openCase } from '../engine';

export interface ImportRunnerDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  policy: Policy;
  /** The audit chain's HMAC key: each created case is audited with the import's id. */
  auditKey: string;
  /** Rows started at once: bounded, so a 25,000-row import leaves the engine room for live work. */
  concurrency: number;
  onError?: (error: unknown) => void;
}

const RETRIES = [1_000, 4_000, 15_000];

/**
 * Turns an import's pending rows into cases, a few at a time. Every step is idempotent (the
 * derived case id, USE_EXISTING, the open-case check), so a run cut short by a crash or a stop
 * is finished by the next one: at the API's start, or when the same file is sent again.
 */
export class ImportRunner {
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(private readonly deps: ImportRunnerDeps) {}

  /** Runs a job in the background, unless it is already running in this process. */
  resume(id: string): void {
    if (this.stopping || this.running.has(id)) return;
    const run = this.run(id)
      .catch((error) => this.deps.onError?.(error))
      .finally(() => this.running.delete(id));
    this.running.set(id, run);
  }

  async resumeUnfinished(): Promise<void> {
    for (const id of await unfinishedImports(this.deps.db)) this.resume(id);
  }

  /** Takes no new row; rows in flight finish. What is left waits for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running.values());
  }

  private async run(id: string): Promise<void> {
    const { db, concurrency } = this.deps;
    const job = await findImportJob(db, id);
    if (!job) return;
    if (job.status !== 'running') await setImportStatus(db, id, 'running', new Date(), false);
    const rows = await pendingImportRows(db, id);
    let next = 0;
    let failed = false;
    const work = async () => {
      while (!this.stopping && !failed) {
        const row = rows[next++];
        if (!row) return;
        try {
          await this.withRetries(() => this.importRow(job, row));
        } catch (error) {
          failed = true;
          this.deps.onError?.(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, work));
    if (this.stopping && !failed) return;
    // Before the job says done, so a supervisor's first look at the new caseload is planned on
    // it; the job's outcome does not hang on it.
    await analyzeReadModel(db).catch((error: unknown) => this.deps.onError?.(error));
    await setImportStatus(db, id, failed ? 'failed' : 'done', new Date(), !failed);
  }

  private async withRetries(fn: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await fn();
      } catch (error) {
        if (attempt >= RETRIES.length || this.stopping) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRIES[attempt]));
      }
    }
  }

  /**
   * The person already has an open case. One outside the importer's jurisdictions is reported
   * only as `open_case_elsewhere`, and the audit trail records that this import met it.
   */
  private async skip(job: ImportJobRow, row: number, open: OpenCaseOf | null): Promise<void> {
    const { db, auditKey } = this.deps;
    if (open && !isWithin(open.jurisdiction, job.scope)) {
      await appendAudit(db, auditKey, {
        at: new Date(),
        actorId: job.createdById,
        actorUsername: job.createdBy,
        actorRole: job.createdByRole,
        action: 'import.skip_elsewhere',
        cases: [open],
        scope: job.scope,
        route: 'POST /v1/imports',
        reason: `import ${job.id} row ${row}`,
        requestId: job.id,
      });
      return finishImportRow(db, job.id, row, 'skipped', null, 'open_case_elsewhere');
    }
    return finishImportRow(db, job.id, row, 'skipped', null, 'already_open');
  }

  private async importRow(job: ImportJobRow, pending: ImportRowRow): Promise<void> {
    const { db, temporal, taskQueue, policy } = this.deps;
    const row = pending.data as unknown as ValidImportRow;
    // Derived from the import and the row: a resumed row finds the case it started.
    const caseId = newCaseId({ importId: job.id, row: pending.row });
    const open = (await openCasesByIdNumber(db, [row.idNumber])).get(row.idNumber);
    if (open && open.id !== caseId) return this.skip(job, pending.row, open);

    const person = {
      name: row.name,
      idNumber: row.idNumber,
      residenceAddress: row.residenceAddress,
      ...(row.registeredAddress ? { registeredAddress: row.registeredAddress } : {}),
    };
    const note = row.note ? { note: row.note } : {};
    const input: CaseInput = {
      caseId,
      opening: row.releasedAt
        ? {
            person,
            // The file names no facility: the person left it before the engine came.
            facility: { name: '' },
            measure: row.measure,
            expectedReleaseAt: row.releasedAt,
            destination: row.jurisdiction,
            ...note,
          }
        : {
            // No release: a police order (R22); the file names no authority beyond the police.
            origin: 'police_order',
            person,
            measure: 'community_detox',
            decision: { authority: '公安机关', decidedAt: row.decidedAt! },
            destination: row.jurisdiction,
            ...note,
          },
      openedBy: job.createdBy,
      openedAt: job.createdAt.toISOString(),
      policy,
      imported: {
        importId: job.id,
        row: pending.row,
        caseworker: row.caseworker,
        decidedAt: row.decidedAt,
        releasedAt: row.releasedAt,
        reportedInAt: row.reportedInAt,
        termStartsAt: row.termStartsAt,
        tier: row.tier,
        testsRefused: row.testsRefused,
        leavesWithoutNotice: row.leavesWithoutNotice,
        daysAwayWithoutNotice: row.daysAwayWithoutNotice,
        lastTestAt: row.lastTestAt,
        lastTestResult: row.lastTestResult,
        lastContactAt: row.lastContactAt,
      },
    };
    // A resumed row meets the workflow it started before the crash, and waits for its record.
    const { duplicateOf } = await openCase({ temporal, taskQueue }, input, { rejoin: true, deadline: false });
    if (duplicateOf !== null) {
      return this.skip(job, pending.row, await findCaseJurisdiction(db, duplicateOf));
    }
    await appendAudit(db, this.deps.auditKey, {
      at: new Date(),
      actorId: job.createdById,
      actorUsername: job.createdBy,
      actorRole: job.createdByRole,
      action: 'case.import',
      cases: [{ id: caseId, jurisdiction: row.jurisdiction }],
      scope: job.scope,
      route: 'POST /v1/imports',
      reason: `import ${job.id} row ${pending.row}`,
      requestId: job.id,
    });
    await finishImportRow(db, job.id, pending.row, 'created', caseId);
  }
}
