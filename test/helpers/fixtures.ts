import type { CreateCaseBody } from '../../schemas/case';
import { checkCharacter } from '../../schemas/id-number';

/** A valid PRC ID number for a person born on `birthDate` (YYYY-MM-DD), unique by `serial`. */
export function makeIdNumber(serial: number, birthDate = '1988-03-15'): string {
  const body = `320508${birthDate.replaceAll('-', '')}${String(serial % 1000).padStart(3, '0')}`;
  return `${body}${checkCharacter(body)}`;
}

let serial = Math.floor(Math.random() * 900);

/** A handover as a liaison would open it; each call is a different person. */
export function handover(overrides: Partial<CreateCaseBody> = {}): CreateCaseBody {
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
