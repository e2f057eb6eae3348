import { makeIdNumber } from '../../test/helpers/fixtures';
import type { CreateCaseBody } from '../../schemas/case';

// Handovers for the benchmarks: each a different person (a valid, unique ID number), spread over
// the demo streets, with releases expected over the next three months.

const STREETS = ['suzhou.gusu.canglang', 'suzhou.gusu.shuangta', 'suzhou.wuzhong.changqiao'];
const DAY = 86_400_000;
let serial = 0;

export function nextHandover(destination?: string): CreateCaseBody {
  serial += 1;
  const born = new Date(Date.UTC(1965, 0, 1) + Math.floor(serial / 1000) * DAY).toISOString().slice(0, 10);
  return {
    person: {
      name: '王某某',
      idNumber: makeIdNumber(serial, born),
      residenceAddress: '苏州市姑苏区沧浪街道新市路 1 号',
      phone: '13800000000',
    },
    facility: { name: '苏州市强制隔离戒毒所' },
    measure: serial % 3 === 0 ? 'community_detox' : 'community_rehabilitation',
    expectedReleaseAt: new Date(Date.now() + (1 + (serial % 90)) * DAY).toISOString(),
    destination: destination ?? STREETS[serial % STREETS.length]!,
  };
}

/** Runs `fn` for 0..count-1, `concurrency` at a time. */
export async function pool(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}
