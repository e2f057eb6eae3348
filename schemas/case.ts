import { z } from 'zod';
import { CaseId, JurisdictionCode, Measure, Phase, Role, Tier, Timestamp } from './common';
import { ORIGINS } from './codes';
import { birthDateOf, idNumberProblem } from './id-number';
import { PARTY_ROLES, SERVICE_AREAS } from './services';

export const IdNumber = z
  .string()
  .superRefine((value, ctx) => {
    const problem = idNumberProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `idNumber ${problem}` });
  })
  .meta({
    description: '18-character PRC resident ID number with a real birth date and a valid check digit',
    // The shape, for the OpenAPI document; the check digit and date are checked above.
    pattern: '^[0-9]{17}[0-9X]$',
  });

const Phone = z.string().regex(/^\+?[0-9][0-9 -]{4,19}$/, 'must be a phone number');

export const PersonInput = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    idNumber: IdNumber,
    birthDate: z.iso.date().optional(),
    sex: z.enum(['male', 'female']).optional(),
    phone: Phone.optional(),
    residenceAddress: z.string().trim().min(1).max(300),
    /** 户籍地址, where the person is registered; may differ from where they live (R23). */
    registeredAddress: z.string().trim().min(1).max(300).optional(),
  })
  .superRefine((person, ctx) => {
    if (person.birthDate && !idNumberProblem(person.idNumber)) {
      if (birthDateOf(person.idNumber) !== person.birthDate) {
        ctx.addIssue({
          code: 'custom',
          path: ['birthDate'],
          message: 'birthDate does not match the birth date in idNumber',
        });
      }
    }
  });
export type PersonInput = z.infer<typeof PersonInput>;

/** `POST /v1/cases`: the liaison opens a handover while the person is still inside (pre-release). */
export const FacilityOpening = z
  .strictObject({
    origin: z.literal('facility').optional(),
    person: PersonInput,
    facility: z.strictObject({ name: z.string().trim().min(1).max(200) }),
    measure: Measure,
    expectedReleaseAt: Timestamp,
    destination: JurisdictionCode,
    note: z.string().max(2000).optional(),
  })
  .meta({ id: 'FacilityOpening' });
export type FacilityOpening = z.infer<typeof FacilityOpening>;

/** The public security organ's decision ordering community detox (责令社区戒毒, R22). */
export const PoliceDecision = z.strictObject({
  authority: z.string().trim().min(1).max(200),
  decidedAt: Timestamp,
  documentNo: z.string().trim().min(1).max(100).optional(),
});

/**
 * `POST /v1/cases` with `origin: "police_order"` (R22): no facility and no pickup; the person must
 * report in within 15 days of the decision (R3).
 */
export const PoliceOrderOpening = z
  .strictObject({
    origin: z.literal('police_order'),
    person: PersonInput,
    measure: z.literal('community_detox'),
    decision: PoliceDecision,
    destination: JurisdictionCode,
    note: z.string().max(2000).optional(),
  })
  .meta({ id: 'PoliceOrderOpening' });
export type PoliceOrderOpening = z.infer<typeof PoliceOrderOpening>;

export const CreateCaseBody = z
  .discriminatedUnion('origin', [FacilityOpening, PoliceOrderOpening])
  .meta({ id: 'CreateCase' });
export type CreateCaseBody = z.infer<typeof CreateCaseBody>;

export const CaseParams = z.strictObject({ id: CaseId });

export const TaskView = z
  .object({
    id: z.string(),
    caseId: z.string(),
    kind: z.string(),
    role: Role,
    dueAt: z.string(),
    status: z.enum(['open', 'done', 'overdue', 'cancelled']),
    assignee: z.string().nullable(),
    escalationLevel: z.number().int(),
  })
  .meta({ id: 'Task' });

export const PersonView = z.object({
  name: z.string(),
  idNumber: z
    .string()
    .meta({ description: 'masked (3205**********1234) unless the role may see it in full' }),
  birthDate: z.string().nullable(),
  sex: z.enum(['male', 'female']).nullable(),
  phone: z.string().nullable(),
  residenceAddress: z.string(),
  registeredAddress: z.string().nullable(),
});

const partyFields = {
  name: z.string().trim().min(1).max(100),
  phone: Phone.optional(),
  relation: z.string().trim().min(1).max(50).optional(),
};
/** Only a police officer party carries a username (the named recipient of police notifications). */
export const PartyBody = z.discriminatedUnion('role', [
  z.strictObject({
    role: z.literal('police_officer'),
    ...partyFields,
    username: z.string().trim().min(1).max(100).optional(),
  }),
  z.strictObject({ role: z.literal(['family', 'community_staff']), ...partyFields }),
]);

export const PartyView = z
  .object({
    id: z.string(),
    role: z.enum(PARTY_ROLES),
    name: z.string(),
    phone: z.string().nullable(),
    relation: z.string().nullable(),
    username: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Party' });

/** One area of need and when each step was last recorded (R24). */
export const ServicePlanLine = z
  .object({
    area: z.enum(SERVICE_AREAS),
    assessedAt: z.string().nullable(),
    referredAt: z.string().nullable(),
    providedAt: z.string().nullable(),
    achievedAt: z.string().nullable(),
    agency: z.string().nullable(),
  })
  .meta({ id: 'ServicePlanLine' });

export const CaseView = z
  .object({
    id: z.string(),
    person: PersonView,
    origin: z.enum(ORIGINS),
    facility: z.object({ name: z.string() }).nullable().meta({ description: 'null for a police order' }),
    decision: z
      .object({ authority: z.string(), decidedAt: z.string(), documentNo: z.string().nullable() })
      .nullable()
      .meta({ description: 'the police decision (R22); null for a facility handover' }),
    measure: Measure,
    phase: Phase,
    tier: Tier,
    status: z.enum(['open', 'closed']),
    jurisdiction: z.string(),
    transferTo: z
      .string()
      .nullable()
      .meta({ description: 'the receiving jurisdiction while in transfer (R15)' }),
    delegatedTo: z
      .string()
      .nullable()
      .meta({ description: 'R23: the street doing the daily work; `jurisdiction` stays responsible' }),
    assignee: z.string().nullable(),
    expectedReleaseAt: z.string().nullable().meta({ description: 'null for a police order' }),
    releasedAt: z.string().nullable(),
    term: z.object({
      startsAt: z.string().nullable(),
      endsAt: z.string().nullable(),
      pausedDays: z.number().int(),
    }),
    counters: z.object({
      testsRefused: z.number().int(),
      leavesWithoutNotice: z.number().int(),
      daysAwayWithoutNotice: z.number().int(),
    }),
    openTasks: z.array(TaskView),
    parties: z
      .array(PartyView)
      .optional()
      .meta({ description: 'R24: the four-party group (GET /v1/cases/:id)' }),
    services: z
      .array(ServicePlanLine)
      .optional()
      .meta({ description: 'R24: the service plan, one line per area of need (GET /v1/cases/:id)' }),
    nextDueAt: z.string().nullable(),
    policyVersion: z.string(),
    note: z.string().nullable(),
    openedBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Case' });
export type CaseView = z.infer<typeof CaseView>;
export type TaskView = z.infer<typeof TaskView>;
export type PartyView = z.infer<typeof PartyView>;
export type ServicePlanLine = z.infer<typeof ServicePlanLine>;

export const CaseSummary = z
  .object({
    id: z.string(),
    person: z.object({ name: z.string(), idNumber: z.string() }),
    measure: Measure,
    phase: Phase,
    tier: Tier,
    status: z.enum(['open', 'closed']),
    jurisdiction: z.string(),
    delegatedTo: z.string().nullable(),
    assignee: z.string().nullable(),
    origin: z.enum(ORIGINS),
    expectedReleaseAt: z.string().nullable(),
    releasedAt: z.string().nullable(),
    nextDueAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'CaseSummary' });
export type CaseSummary = z.infer<typeof CaseSummary>;

export const CaseListQuery = z.strictObject({
  phase: Phase.optional(),
  tier: Tier.optional(),
  jurisdiction: JurisdictionCode.optional(),
  assignee: z.string().max(100).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  q: z.string().trim().min(1).max(100).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type CaseListQuery = z.infer<typeof CaseListQuery>;

export const CaseList = z.object({ items: z.array(CaseSummary), nextCursor: z.string().nullable() });

export const TaskParams = z.strictObject({
  id: CaseId,
  taskId: z.string().regex(/^t\d{1,9}$/, 'must be a task id such as t3'),
});

export const InboxQuery = z.strictObject({
  mine: z.enum(['true', 'false']).optional(),
  status: z.enum(['open', 'overdue']).optional(),
  due_before: Timestamp.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** An inbox line: the task and who it is about, so the list reads without opening each case. */
export const InboxItem = TaskView.extend({
  case: z.object({
    name: z.string(),
    phase: Phase,
    tier: Tier,
    jurisdiction: z.string(),
    delegatedTo: z.string().nullable(),
  }),
}).meta({ id: 'InboxItem' });
export const TaskList = z.object({ items: z.array(InboxItem) });

export const NotificationView = z
  .object({
    id: z.string(),
    caseId: z.string(),
    recipient: z.string(),
    reason: z.string(),
    rule: z.string(),
    taskId: z.string().nullable(),
    createdAt: z.string(),
    status: z.enum(['pending', 'delivered']),
    deliveredAt: z.string().nullable(),
    officer: z.string().nullable().meta({
      description: 'for police notifications: the named officer of the case (its police_officer party)',
    }),
  })
  .meta({ id: 'Notification' });

export const NotificationQuery = z.strictObject({
  status: z.enum(['pending', 'delivered']).optional(),
  caseId: CaseId.optional(),
  mine: z
    .enum(['true', 'false'])
    .optional()
    .meta({ description: 'police: only the police notifications named to you or to no officer' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const NotificationList = z.object({ items: z.array(NotificationView) });
