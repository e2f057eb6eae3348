import type { FacilityOpening, PoliceOrderOpening } from '../../schemas/case';
import { checkCharacter } from '../../schemas/id-number';
import type { CaseProjection } from '../../workflows/case/messages';

/** A valid PRC ID number for a person born on `birthDate` (YYYY-MM-DD), unique by `serial`. */
export function makeIdNumber(serial: number, birthDate = '1988-03-15'): string {
  const body = `320508${birthDate.replaceAll('-', '')}${String(serial % 1000).padStart(3, '0')}`;
  return `${body}${checkCharacter(body)}`;
}

let serial = Math.floor(Math.random() * 900);

/** A handover as a liaison would open it; each call is a different person. */
export function handover(overrides: Partial<FacilityOpening> = {}): FacilityOpening {
  serial += 1;
  return {
    person: {
      name: '王某某',
      idNumber: makeIdNumber(serial, `19${70 + (serial % 30)}-0${1 + (serial % 9)}-1${serial % 10}`),
      residenceAddress: '苏州市姑苏区沧浪街道新市路 1 号',
      phone: '13800000000',
    },
    facility: { name: '苏州市强制隔离戒毒所' },
    measure: 'community_rehabilitation',
    expectedReleaseAt: '2026-12-20T09:00:00+08:00',
    destination: 'suzhou.gusu.canglang',
    ...overrides,
  };
}

/** A police order (R22) as a caseworker registers it; each call is a different person. */
export function policeOrder(overrides: Partial<PoliceOrderOpening> = {}): PoliceOrderOpening {
  const { facility: _f, expectedReleaseAt: _e, origin: _o, ...rest } = handover();
  return {
    ...rest,
    origin: 'police_order',
    measure: 'community_detox',
    person: { ...rest.person, registeredAddress: '苏州市吴中区长桥街道龙西路 8 号' },
    decision: {
      authority: '苏州市公安局姑苏分局',
      decidedAt: new Date().toISOString(),
      documentNo: '姑公(禁)责社戒决字〔2026〕0001号',
    },
    ...overrides,
  };
}

/** A case's read-model row as a sync batch carries it: in its community term at Canglang. */
export function projection(overrides: Partial<CaseProjection> = {}): CaseProjection {
  return {
    phase: 'community',
    tier: 'stable',
    status: 'open',
    jurisdiction: 'suzhou.gusu.canglang',
    transferTo: null,
    delegatedTo: null,
    assignee: 'worker.canglang',
    releasedAt: null,
    firstHomeVisitAt: null,
    firstPositiveAt: null,
    termStartsAt: null,
    termEndsAt: null,
    termPausedDays: 0,
    testsRefused: 0,
    leavesWithoutNotice: 0,
    daysAwayWithoutNotice: 0,
    nextDueAt: null,
    ...overrides,
  };
}
