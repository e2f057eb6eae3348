import type { Db } from '../db/client';
import { upsertJurisdiction } from '../db/jurisdictions';
import { upsertUser } from '../db/users';
import { hashPassword } from '../api/passwords';
import type { Role } from '../schemas/common';

// The demo data of api.md: a slice of Suzhou's jurisdiction tree, one user per role, and (v1.2)
// a second district's supervisor and police and a street's second caseworker.
// Loaded by `npm start` on the embedded default and by `npm run seed`; never in production.

export const DEMO_PASSWORD = 'demo-password';

export const DEMO_JURISDICTIONS = [
  { code: 'suzhou', name: '苏州市', parentCode: null },
  { code: 'suzhou.gusu', name: '姑苏区', parentCode: 'suzhou' },
  { code: 'suzhou.gusu.canglang', name: '沧浪街道', parentCode: 'suzhou.gusu' },
  { code: 'suzhou.gusu.shuangta', name: '双塔街道', parentCode: 'suzhou.gusu' },
  { code: 'suzhou.wuzhong', name: '吴中区', parentCode: 'suzhou' },
  { code: 'suzhou.wuzhong.changqiao', name: '长桥街道', parentCode: 'suzhou.wuzhong' },
];

export const DEMO_USERS: { username: string; displayName: string; role: Role; jurisdictions: string[] }[] = [
  { username: 'liaison', displayName: '戒毒所联络员', role: 'liaison', jurisdictions: ['suzhou'] },
  {
    username: 'worker.canglang',
    displayName: '沧浪街道禁毒社工',
    role: 'caseworker',
    jurisdictions: ['suzhou.gusu.canglang'],
  },
  {
    username: 'worker.changqiao',
    displayName: '长桥街道禁毒社工',
    role: 'caseworker',
    jurisdictions: ['suzhou.wuzhong.changqiao'],
  },
  {
    username: 'supervisor.gusu',
    displayName: '姑苏区禁毒办督导',
    role: 'supervisor',
    jurisdictions: ['suzhou.gusu'],
  },
  {
    username: 'supervisor.city',
    displayName: '苏州市禁毒办督导',
    role: 'supervisor',
    jurisdictions: ['suzhou'],
  },
  { username: 'police.gusu', displayName: '姑苏区社区民警', role: 'police', jurisdictions: ['suzhou.gusu'] },
  // v1.2: the other side of every rule: a district that is not Gusu, and a street with two caseworkers.
  {
    username: 'supervisor.wuzhong',
    displayName: '吴中区禁毒办督导',
    role: 'supervisor',
    jurisdictions: ['suzhou.wuzhong'],
  },
  {
    username: 'police.wuzhong',
    displayName: '吴中区社区民警',
    role: 'police',
    jurisdictions: ['suzhou.wuzhong'],
  },
  {
    username: 'worker2.canglang',
    displayName: '沧浪街道第二禁毒社工',
    role: 'caseworker',
    jurisdictions: ['suzhou.gusu.canglang'],
  },
];

/** Idempotent: a second run leaves the same rows. */
export async function seedDemoData(db: Db): Promise<void> {
  for (const jurisdiction of DEMO_JURISDICTIONS) await upsertJurisdiction(db, jurisdiction);
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const user of DEMO_USERS) await upsertUser(db, { ...user, passwordHash });
}
