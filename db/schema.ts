import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { TaskKind } from '../schemas/catalogue';
import type { Measure, Phase, Role, Tier } from '../schemas/common';
import type { Origin } from '../schemas/codes';
import type { PartyRole } from '../schemas/services';
import type { ImportRowError, ImportSkipReason } from '../schemas/imports';
import type { SummaryCounts, SummaryItems } from '../schemas/due';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** The jurisdiction tree: city → district → street, as dotted codes. */
export const jurisdictions = pgTable('jurisdictions', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  parentCode: text('parent_code'),
});

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  username: text('username').notNull().unique(),
  displayName: text('display_name').notNull(),
  role: text('role').$type<Role>().notNull(),
  passwordHash: text('password_hash').notNull(),
  jurisdictions: text('jurisdictions').array().notNull(),
  disabledAt: timestamptz('disabled_at'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  /**
   * Tokens carry the epoch they were issued in (`ep`); a password change moves it on, so the
   * user's other tokens are refused in every API process. The token that made the change
   * (`session_kept_jti`) stays valid until it expires or logs out.
   */
  sessionEpoch: integer('session_epoch').notNull().default(0),
  sessionKeptJti: text('session_kept_jti'),
});

/** Tokens logged out before they expired (POST /v1/auth/logout); a row goes once its token has expired. */
export const revokedTokens = pgTable(
  'revoked_tokens',
  {
    jti: text('jti').primaryKey(),
    expiresAt: timestamptz('expires_at').notNull(),
  },
  (t) => [index('revoked_tokens_expires').on(t.expiresAt)],
);

/**
 * The read model of a case, kept in step with its workflow (`case-<id>`) by idempotent
 * activities, so lists and inboxes never ask Temporal one case at a time.
 */
export const cases = pgTable(
  'cases',
  {
    id: uuid('id').primaryKey(),
    personName: text('person_name').notNull(),
    idNumber: text('id_number').notNull(),
    birthDate: text('birth_date'),
    sex: text('sex').$type<'male' | 'female'>(),
    phone: text('phone'),
    residenceAddress: text('residence_address').notNull(),
    /** 户籍地址 (R23), when the person is registered elsewhere than they live. */
    registeredAddress: text('registered_address'),
    /** How the case came in (api.md "Ways into the programme"). */
    origin: text('origin').$type<Origin>().notNull().default('facility'),
    /** A facility handover's; null for a police order (R22). */
    facilityName: text('facility_name'),
    measure: text('measure').$type<Measure>().notNull(),
    expectedReleaseAt: timestamptz('expected_release_at'),
    /** A police order's decision (R22): who decided, when (the report-in clock's start), its number. */
    decisionAuthority: text('decision_authority'),
    decidedAt: timestamptz('decided_at'),
    decisionDocumentNo: text('decision_document_no'),
    releasedAt: timestamptz('released_at'),
    /** For the KPIs (docs/kpis.md), kept by the workflow: no timeline scan per case. */
    firstHomeVisitAt: timestamptz('first_home_visit_at'),
    firstPositiveAt: timestamptz('first_positive_at'),
    jurisdiction: text('jurisdiction').notNull(),
    /** R15: the receiving jurisdiction while in transfer; both sides see the case. */
    transferTo: text('transfer_to'),
    /** R23: the street doing the daily work on behalf of `jurisdiction`, which stays responsible. */
    delegatedTo: text('delegated_to'),
    phase: text('phase').$type<Phase>().notNull(),
    tier: text('tier').$type<Tier>().notNull(),
    status: text('status').$type<'open' | 'closed'>().notNull(),
    assignee: text('assignee'),
    termStartsAt: timestamptz('term_starts_at'),
    termEndsAt: timestamptz('term_ends_at'),
    termPausedDays: integer('term_paused_days').notNull().default(0),
    testsRefused: integer('tests_refused').notNull().default(0),
    leavesWithoutNotice: integer('leaves_without_notice').notNull().default(0),
    daysAwayWithoutNotice: integer('days_away_without_notice').notNull().default(0),
    nextDueAt: timestamptz('next_due_at'),
    policyVersion: text('policy_version').notNull(),
    note: text('note'),
    openedBy: text('opened_by').notNull(),
    /** The workflow's revision last written; an older batch never overwrites a newer one. */
    revision: integer('revision').notNull().default(0),
    createdAt: timestamptz('created_at').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (t) => [
    // One open case per person: the guard against two handovers racing (api.md: 409).
    uniqueIndex('cases_open_id_number')
      .on(t.idNumber)
      .where(sql`status = 'open'`),
    // Jurisdiction scoping is `code = j OR code LIKE 'j.%'`; text_pattern_ops serves the prefix.
    index('cases_jurisdiction').on(t.jurisdiction.op('text_pattern_ops')),
    index('cases_created').on(t.createdAt.desc(), t.id.desc()),
    index('cases_transfer_to').on(t.transferTo.op('text_pattern_ops')),
    index('cases_delegated_to').on(t.delegatedTo.op('text_pattern_ops')),
    index('cases_released').on(t.releasedAt),
  ],
);

export type CaseRow = typeof cases.$inferSelect;
export type NewCaseRow = typeof cases.$inferInsert;
export type UserRow = typeof users.$inferSelect;

/** Obligations with a due time, derived by the case workflow (api.md "Tasks"). */
export const tasks = pgTable(
  'tasks',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    id: text('id').notNull(),
    kind: text('kind').$type<TaskKind>().notNull(),
    role: text('role').$type<Role>().notNull(),
    assignee: text('assignee'),
    dueAt: timestamptz('due_at').notNull(),
    status: text('status').$type<'open' | 'overdue' | 'done' | 'cancelled'>().notNull(),
    escalationLevel: integer('escalation_level').notNull(),
    createdAt: timestamptz('created_at').notNull(),
    closedAt: timestamptz('closed_at'),
    revision: integer('revision').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.caseId, t.id] }),
    index('tasks_inbox').on(t.status, t.role, t.dueAt),
    // Stalled cases and caseloads look at open tasks past due, whatever their role.
    index('tasks_open_due')
      .on(t.dueAt)
      .where(sql`status in ('open', 'overdue')`),
    // The control rate asks, per case, whether a contact is overdue (R11).
    index('tasks_open_contact')
      .on(t.caseId, t.dueAt)
      .where(sql`kind = 'contact' and status in ('open', 'overdue')`),
    // The test completion rate counts test tasks by due date.
    index('tasks_kind_due').on(t.kind, t.dueAt, t.status),
  ],
);

/** Every recorded event and engine action of a case, oldest first. */
export const timeline = pgTable(
  'timeline',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    seq: integer('seq').notNull(),
    at: timestamptz('at').notNull(),
    kind: text('kind').$type<'event' | 'engine'>().notNull(),
    type: text('type').notNull(),
    actor: text('actor'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    /** The workflow's revision (batch) that wrote the entry (db/case-sync.ts); null before 0012. */
    revision: integer('revision'),
  },
  (t) => [
    // Partitioned by month of `at` (migration 0010, db/partitions.ts): the key must hold it.
    primaryKey({ columns: [t.caseId, t.seq, t.at] }),
    index('timeline_type').on(t.type, t.caseId, t.at),
  ],
);

/** The notification outbox: written with the change that caused it, delivered by an activity. */
export const notifications = pgTable(
  'notifications',
  {
    id: text('id').primaryKey(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    recipient: text('recipient').notNull(),
    reason: text('reason').notNull(),
    rule: text('rule').notNull(),
    taskId: text('task_id'),
    createdAt: timestamptz('created_at').notNull(),
    status: text('status').$type<'pending' | 'delivered'>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    deliveredAt: timestamptz('delivered_at'),
    /** The workflow's revision (batch) that wrote the notification (db/case-sync.ts); null before 0012. */
    revision: integer('revision'),
  },
  (t) => [index('notifications_case').on(t.caseId, t.createdAt)],
);

/**
 * Messages to one caseworker, not about one case (issue 18): a reminder before a task falls due
 * (one per caseworker, task and due time) and the daily summary (one per caseworker and day).
 * Written by the daily rounds (workflows/daily-rounds.ts), delivered through the notifier's
 * channels like `notifications`. Ids, kinds and counts only, never personal data (R21).
 */
export const caseworkerMessages = pgTable(
  'caseworker_messages',
  {
    id: text('id').primaryKey(),
    username: text('username').notNull(),
    kind: text('kind').$type<'due_reminder' | 'daily_summary'>().notNull(),
    /** A reminder's task; null for a summary. */
    caseId: uuid('case_id').references(() => cases.id),
    taskId: text('task_id'),
    taskKind: text('task_kind'),
    rule: text('rule'),
    dueAt: timestamptz('due_at'),
    /** A summary's day: from one round to the next. */
    periodStart: timestamptz('period_start'),
    periodEnd: timestamptz('period_end'),
    counts: jsonb('counts').$type<SummaryCounts>(),
    /** A summary's tasks and notifications, by id, for the console. */
    items: jsonb('items').$type<SummaryItems>(),
    createdAt: timestamptz('created_at').notNull(),
    status: text('status').$type<'pending' | 'delivered'>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    deliveredAt: timestamptz('delivered_at'),
  },
  (t) => [
    index('caseworker_messages_user').on(t.username, t.kind, t.createdAt),
    index('caseworker_messages_pending')
      .on(t.createdAt)
      .where(sql`status = 'pending'`),
  ],
);

export type CaseworkerMessageRow = typeof caseworkerMessages.$inferSelect;

/** R24: the four-party group of a case (family, community staff, the community police officer). Personal data. */
export const parties = pgTable(
  'parties',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    role: text('role').$type<PartyRole>().notNull(),
    name: text('name').notNull(),
    phone: text('phone'),
    relation: text('relation'),
    /** A police_officer's user: the named recipient of the case's police notifications. */
    username: text('username'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [index('parties_case').on(t.caseId, t.createdAt)],
);

export type PartyRow = typeof parties.$inferSelect;
export type TaskRow = typeof tasks.$inferSelect;
export type TimelineRow = typeof timeline.$inferSelect;
export type NotificationRow = typeof notifications.$inferSelect;

/**
 * Technical faults a person must see (api.md `engine_failing`): an activity of a case that keeps
 * failing past a threshold. Written by the worker's fault recorder, removed when it succeeds.
 */
export const engineFaults = pgTable(
  'engine_faults',
  {
    caseId: uuid('case_id').notNull(),
    activity: text('activity').notNull(),
    attempts: integer('attempts').notNull(),
    /** The error's class and code only: messages can carry personal data (R21). */
    error: text('error').notNull(),
    since: timestamptz('since').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.activity] })],
);
/**
 * The audit trail (R21): who read or changed which cases, when and why. Append-only (a trigger
 * refuses UPDATE, DELETE and TRUNCATE) and hash-chained: each row's hash covers the previous
 * row's hash and the row's own content, so `npm run audit:verify` finds an edited, deleted or
 * reordered row. Ids and actions only, never personal data.
 */
/**
 * The audit trail (R21): independent hash chains, one per shard (`shard`, numbered by `seq`),
 * partitioned by month of `at` (migration 0009; the partitions are not in this file).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).notNull(),
    at: timestamptz('at').notNull(),
    actorId: text('actor_id').notNull(),
    actorUsername: text('actor_username').notNull(),
    actorRole: text('actor_role').notNull(),
    action: text('action').notNull(),
    /** The cases concerned and, index by index, the jurisdiction each was in. */
    caseIds: text('case_ids').array().notNull(),
    caseJurisdictions: text('case_jurisdictions').array().notNull(),
    /** The jurisdictions the request covered: who may see an entry that names no case (a KPI read). */
    scope: text('scope')
      .array()
      .notNull()
      .default(sql`'{}'`),
    route: text('route').notNull(),
    reason: text('reason').notNull(),
    requestId: text('request_id').notNull(),
    /** The chain the row belongs to and its place in it (1, 2, …). */
    shard: integer('shard').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.at] }),
    index('audit_log_at').on(t.at),
    index('audit_log_case_ids').using('gin', t.caseIds),
    index('audit_log_shard_seq').on(t.shard, t.seq),
  ],
);

/**
 * One head per chain (shard). Only the database moves a head (a trigger on each append, which
 * refuses a row not chained to its shard's head); it cannot be deleted or moved anywhere but to
 * the shard's next row, so a chain whose tail was cut off no longer ends at it. Shard 0 continues
 * the single chain from before migration 0009: its rows up to `legacySeq` are verified the old
 * way, and those of them before `keyedFrom` (a row id) predate the audit key.
 */
export const auditHead = pgTable('audit_head', {
  shard: integer('shard').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
  lastId: bigint('last_id', { mode: 'number' }).notNull(),
  lastAt: timestamptz('last_at'),
  lastHash: text('last_hash').notNull(),
  keyedFrom: bigint('keyed_from', { mode: 'number' }).notNull().default(1),
  legacySeq: bigint('legacy_seq', { mode: 'number' }).notNull().default(0),
});

/**
 * Signed checkpoints over all chain heads (the Certificate Transparency shape: signed tree heads):
 * each names every shard's (seq, hash) and is HMAC-signed under the audit key together with the
 * previous checkpoint's signature, so a row deleted, edited or cut from behind a checkpoint, and a
 * checkpoint deleted or edited, are found by `npm run audit:verify`.
 */
export const auditCheckpoints = pgTable('audit_checkpoints', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: timestamptz('at').notNull(),
  heads: jsonb('heads').$type<CheckpointHead[]>().notNull(),
  prevMac: text('prev_mac').notNull(),
  mac: text('mac').notNull(),
});

export interface CheckpointHead {
  shard: number;
  seq: number;
  /** The row at that place (0 for an empty shard). */
  id: number;
  hash: string;
}

/**
 * `Idempotency-Key` of creating POSTs (api.md): the first request claims the key (status null
 * while it runs), its reply is stored, and a repeat with the same body gets that reply again.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code'),
    contentType: text('content_type'),
    location: text('location'),
    responseBody: text('response_body'),
    /** What the first request recorded in the audit trail, recorded again for each replay (R21). */
    audit: jsonb('audit').$type<{ action: string; cases: { id: string; jurisdiction: string }[] }>(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    completedAt: timestamptz('completed_at'),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
);

export type AuditRow = typeof auditLog.$inferSelect;

/**
 * Login attempts, for throttling across API processes (api/routes/auth): the username as a keyed
 * tag (never the name an attacker typed), the client address, success or failure. Kept 30 days.
 */
export const loginAttempts = pgTable(
  'login_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamptz('at').notNull().defaultNow(),
    userTag: text('user_tag').notNull(),
    address: text('address').notNull(),
    /** null while the password is being checked: counted as a failure until it is known. */
    ok: boolean('ok'),
  },
  (t) => [
    index('login_attempts_user').on(t.userTag, t.at),
    index('login_attempts_address').on(t.address, t.at),
  ],
);

/**
 * R25: an import of a caseload already under way (api.md "Ways into the programme"). The job
 * and each of its rows are kept, so a run cut short resumes where it stopped; a row's case id is
 * derived from the job and the row, so a resumed row finds the case it may already have started.
 */
export const importJobs = pgTable('import_jobs', {
  id: uuid('id').primaryKey(),
  status: text('status').$type<'running' | 'done' | 'failed'>().notNull(),
  /** SHA-256 of the uploaded file: the same file sent again resumes an unfinished job. */
  contentHash: text('content_hash').notNull(),
  createdById: text('created_by_id').notNull(),
  createdBy: text('created_by').notNull(),
  createdByRole: text('created_by_role').$type<Role>().notNull(),
  /** The importer's jurisdictions: who may follow the job, and the scope its rows were checked in. */
  scope: text('scope').array().notNull(),
  total: integer('total').notNull(),
  createdAt: timestamptz('created_at').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
  finishedAt: timestamptz('finished_at'),
});

export const importRows = pgTable(
  'import_rows',
  {
    importId: uuid('import_id')
      .notNull()
      .references(() => importJobs.id),
    /** The row number a spreadsheet shows (the header is row 1). */
    row: integer('row').notNull(),
    status: text('status').$type<'pending' | 'created' | 'skipped' | 'invalid'>().notNull(),
    caseId: uuid('case_id'),
    errors: jsonb('errors').$type<ImportRowError[]>(),
    /** Why a skipped row was skipped (migration 0015). */
    skipReason: text('skip_reason').$type<ImportSkipReason>(),
    /** The validated row while it waits; cleared once the row is done (personal data, R21). */
    data: jsonb('data').$type<Record<string, unknown>>(),
  },
  (t) => [
    primaryKey({ columns: [t.importId, t.row] }),
    index('import_rows_pending').on(t.importId, t.status),
  ],
);

export type ImportJobRow = typeof importJobs.$inferSelect;
export type ImportRowRow = typeof importRows.$inferSelect;
