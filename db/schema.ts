import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { Measure, Phase, Role, Tier } from '../schemas/common';

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
});

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
    facilityName: text('facility_name').notNull(),
    measure: text('measure').$type<Measure>().notNull(),
    expectedReleaseAt: timestamptz('expected_release_at').notNull(),
    releasedAt: timestamptz('released_at'),
    jurisdiction: text('jurisdiction').notNull(),
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
  ],
);

export type CaseRow = typeof cases.$inferSelect;
export type NewCaseRow = typeof cases.$inferInsert;
export type UserRow = typeof users.$inferSelect;
