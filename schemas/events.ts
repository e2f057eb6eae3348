import { z } from 'zod';
import { JurisdictionCode, Tier, Timestamp } from './common';
import { SERVICE_ACTIONS, SERVICE_AREAS } from './services';

// The events of api.md "Recording what happened". Each takes `occurredAt` (default: now) and
// `note`. The rules each one serves are named beside it.

const common = {
  occurredAt: Timestamp.optional(),
  note: z.string().max(2000).optional(),
};

const event = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.strictObject({ type: z.literal(type), ...common, ...shape });

export const EventBody = z
  .discriminatedUnion('type', [
    event('intervention', { kind: z.enum(['intake', 'briefing', 'interview']) }),
    event('agreement_signed', { kind: z.enum(['assistance', 'community']) }), // R5
    event('release_date_confirmed', { releaseAt: Timestamp }), // R1
    event('released', {}), // R3, R6
    event('picked_up', { by: z.string().trim().min(1).max(100) }), // R2
    event('reported_in', { jurisdiction: JurisdictionCode }), // R3, R7, R15
    event('home_visit', {
      reached: z.boolean(),
      joint: z.boolean().optional().meta({ description: 'made with the community police officer' }),
    }), // R6, R9, R24
    event('contact', { channel: z.enum(['phone', 'interview', 'visit', 'message']), reached: z.boolean() }), // R9, R11
    event('test', {
      method: z.enum(['urine', 'hair']),
      result: z.enum(['negative', 'positive', 'refused', 'missed']),
      unannounced: z.boolean(),
    }), // R8, R12, R13, R20
    event('leave_notice', {
      from: Timestamp,
      until: Timestamp,
      destination: z.string().trim().min(1).max(200),
    }), // R14
    event('absence_found', { from: Timestamp, until: Timestamp.optional() }), // R12
    event('detained', {}), // R16
    event('freed', {}), // R16
    event('sentenced', {}), // R17
    event('service', {
      area: z.enum(SERVICE_AREAS),
      action: z.enum(SERVICE_ACTIONS),
      agency: z.string().trim().min(1).max(200).optional(),
    }), // R24
  ])
  .meta({ id: 'Event' });
export type EventBody = z.infer<typeof EventBody>;
export type EventType = EventBody['type'];

export const TimelineEntryView = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    kind: z.enum(['event', 'engine']),
    type: z.string(),
    actor: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'TimelineEntry' });

export const TransferBody = z.strictObject({
  to: JurisdictionCode,
  reason: z.string().trim().min(1).max(500),
});
export const DelegateBody = z.strictObject({
  to: JurisdictionCode,
  reason: z.string().trim().min(1).max(500),
});
export const CloseBody = z.strictObject({ reason: z.string().trim().min(1).max(500) });
export const TierBody = z.strictObject({ tier: Tier, reason: z.string().trim().min(1).max(500) });
export const AssignBody = z.strictObject({ caseworker: z.string().trim().min(1).max(100) });
export const ApproveEndOfControlBody = z.strictObject({
  note: z.string().trim().min(1).max(2000).optional(),
});
export const ExtendBody = z.strictObject({ until: Timestamp, reason: z.string().trim().min(1).max(500) });
