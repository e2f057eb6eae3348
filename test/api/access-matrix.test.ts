import { randomUUID } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { hashPassword } from '../../api/passwords';
import { isWithin } from '../../db/scope';
import { insertImportJob } from '../../db/imports';
import { upsertUser } from '../../db/users';
import { CASE_ACTIONS, decide, SIDES, type Action, type Side } from '../../schemas/access';
import { EVENTS, UPDATES, type UpdateName } from '../../schemas/catalogue';
import type { Role } from '../../schemas/common';
import type { EventType } from '../../schemas/events';
import { DEMO_PASSWORD, DEMO_USERS } from '../../scripts/demo-data';
import { handover, policeOrder } from '../helpers/fixtures';
import { importCsv } from '../helpers/imports';
import { startTestSystem, type TestSystem } from '../helpers/system';

// R21 and api.md "Auth": the role × route × jurisdiction matrix, every cell asserted, generated
// from the one table below. A new route is one more row: its roles, how to call it about a case,
// and how jurisdiction shows on it.

interface Target {
  caseId: string;
  idNumber: string;
  jurisdiction: string;
  /** An import job whose importer's scope is this jurisdiction (R25). */
  importId: string;
}

interface RouteRow {
  route: string;
  roles: readonly Role[];
  request(target: Target): InjectOptions;
  /**
   * How a case outside the caller's jurisdictions shows:
   * `case` 404 exactly like a missing case; `list` 200 without it; `create` 422 (not a destination
   * of yours); `none` the route is not about one case.
   */
  scope: 'case' | 'list' | 'create' | 'none';
  /** What a caller who may act gets: 200/201, or 409 where the workflow itself refuses the step now. */
  ok: 200 | 201 | 409;
  /** The call changes the case for good (close): each cell gets a case of its own. */
  fresh?: boolean;
  /** For `list`: does the reply include the case? */
  includes?(reply: LightMyRequestResponse, target: Target): boolean;
}

const ALL = ['liaison', 'caseworker', 'supervisor', 'police'] as const;
let extensions = 0;

const ROUTES: RouteRow[] = [
  {
    route: 'GET /v1/cases/:id',
    roles: ALL,
    request: ({ caseId }) => ({ method: 'GET', url: `/v1/cases/${caseId}` }),
    scope: 'case',
    ok: 200,
  },
  {
    route: 'GET /v1/cases',
    // A search by full ID number: only the roles that see it in full (R21); supervisors get 403.
    roles: ['liaison', 'caseworker', 'police'],
    request: ({ idNumber }) => ({ method: 'GET', url: `/v1/cases?q=${idNumber}` }),
    scope: 'list',
    ok: 200,
    includes: (reply, { caseId }) => reply.json().items.some((item: { id: string }) => item.id === caseId),
  },
  {
    route: 'POST /v1/cases/search',
    // As GET: a search by full ID number is for the roles that see it in full (R21).
    roles: ['liaison', 'caseworker', 'police'],
    request: ({ idNumber }) => ({ method: 'POST', url: '/v1/cases/search', payload: { q: idNumber } }),
    scope: 'list',
    ok: 200,
    includes: (reply, { caseId }) => reply.json().items.some((item: { id: string }) => item.id === caseId),
  },
  {
    // api.md v1.2: the destination's caseworkers open facility handovers too.
    route: 'POST /v1/cases',
    roles: ['liaison', 'caseworker'],
    request: ({ jurisdiction }) => ({
      method: 'POST',
      url: '/v1/cases',
      payload: handover({ destination: jurisdiction }),
    }),
    scope: 'create',
    ok: 201,
  },
  {
    // R22: a police order is registered by the destination's caseworker or supervisor, or the police.
    route: 'POST /v1/cases',
    roles: ['caseworker', 'supervisor', 'police'],
    request: ({ jurisdiction }) => ({
      method: 'POST',
      url: '/v1/cases',
      payload: policeOrder({ destination: jurisdiction }),
    }),
    scope: 'create',
    ok: 201,
  },
  {
    route: 'GET /v1/audit',
    roles: ['supervisor'],
    request: ({ caseId }) => ({ method: 'GET', url: `/v1/audit?caseId=${caseId}` }),
    scope: 'list',
    ok: 200,
    includes: (reply, { caseId }) =>
      reply.json().items.some((entry: { caseIds: string[] }) => entry.caseIds.includes(caseId)),
  },
  {
    route: 'GET /v1/jurisdictions',
    roles: ALL,
    request: () => ({ method: 'GET', url: '/v1/jurisdictions' }),
    scope: 'none',
    ok: 200,
  },
  {
    route: 'GET /v1/policies/current',
    roles: ALL,
    request: () => ({ method: 'GET', url: '/v1/policies/current' }),
    scope: 'none',
    ok: 200,
  },
  {
    route: 'POST /codec/encode',
    roles: ['supervisor'],
    request: () => ({ method: 'POST', url: '/codec/encode', payload: { payloads: [] } }),
    scope: 'none',
    ok: 200,
  },
  {
    route: 'POST /codec/decode',
    roles: ['supervisor'],
    request: () => ({ method: 'POST', url: '/codec/decode', payload: { payloads: [] } }),
    scope: 'none',
    ok: 200,
  },
  {
    route: 'POST /v1/cases/:id/events',
    roles: ['liaison', 'caseworker'],
    request: ({ caseId }) => ({
      method: 'POST',
      url: `/v1/cases/${caseId}/events`,
      payload: { type: 'intervention', kind: 'interview' },
    }),
    scope: 'case',
    ok: 201,
  },
  {
    route: 'GET /v1/cases/:id/timeline',
    roles: ALL,
    request: ({ caseId }) => ({ method: 'GET', url: `/v1/cases/${caseId}/timeline` }),
    scope: 'case',
    ok: 200,
  },
  {
    // Before release a transfer makes no sense: a caller who may ask reaches the workflow's 409.
    route: 'POST /v1/cases/:id/transfer',
    roles: ['caseworker', 'supervisor'],
    request: ({ caseId }) => ({
      method: 'POST',
      url: `/v1/cases/${caseId}/transfer`,
      payload: { to: 'suzhou.wuzhong.changqiao', reason: '迁居' },
    }),
    scope: 'case',
    ok: 409,
  },
  {
    // R23: delegating changes who sees the case, so each cell gets a case of its own.
    route: 'POST /v1/cases/:id/delegate',
    roles: ['supervisor'],
    request: ({ caseId, jurisdiction }) => ({
      method: 'POST',
      url: `/v1/cases/${caseId}/delegate`,
      payload: {
        to: jurisdiction === 'suzhou.gusu.shuangta' ? 'suzhou.gusu.canglang' : 'suzhou.gusu.shuangta',
        reason: '人户分离',
      },
    }),
    scope: 'case',
    ok: 200,
    fresh: true,
  },
  {
    // A case never delegated: a caller who may ask reaches the workflow's 409.
    route: 'POST /v1/cases/:id/delegate/end',
    roles: ['supervisor'],
    request: ({ caseId }) => ({
      method: 'POST',
      url: `/v1/cases/${caseId}/delegate/end`,
      payload: { reason: '结束' },
    }),
    scope: 'case',
    ok: 409,
  },
  {
    route: 'POST /v1/cases/:id/close',
    roles: ['supervisor'],
    request: ({ caseId }) => ({
      method: 'POST',
      url: `/v1/cases/${caseId}/close`,
      payload: { reason: '测试' },
    }),
    scope: 'case',
    ok: 200,
    fresh: true,
  },
  {
    route: 'POST /v1/cases/:id/tier',
    roles: ['supervisor'],
    request: ({ caseId }) => ({
      method: 'POST',
      url: `/v1/cases/${caseId}/tier`,
      payload: { tier: 'key', reason: '评估' },
    }),
    scope: 'case',
    ok: 200,
  },
  {
    route: 'POST /v1/cases/:id/assign',
    roles: ['supervisor'],
    request: ({ caseId, jurisdiction }) => ({
      method: 'POST',
      url: `/v1/cases/${caseId}/assign`,
      payload: { caseworker: `worker.${jurisdiction.split('.').at(-1)}` },
    }),
    scope: 'case',
    ok: 200,
  },
  {
    route: 'POST /v1/cases/:id/tasks/:taskId/extend',
    roles: ['supervisor'],
    request: ({ caseId }) => ({
      method: 'POST',
      url: `/v1/cases/${caseId}/tasks/t1/extend`,
      payload: {
        until: new Date(Date.now() + (extensions += 1) * 86_400_000 + 60 * 86_400_000).toISOString(),
        reason: '顺延',
      },
    }),
    scope: 'case',
    ok: 200,
  },
  {
    route: 'POST /v1/cases/:id/parties',
    roles: ['caseworker', 'supervisor'],
    request: ({ caseId }) => ({
      method: 'POST',
      url: `/v1/cases/${caseId}/parties`,
      payload: { role: 'family', name: '张母', relation: '母亲' },
    }),
    scope: 'case',
    ok: 201,
  },
  {
    // No R19 proposal is drafted on a fresh case: a caller who may approve reaches the workflow's 409.
    route: 'POST /v1/cases/:id/end-of-control/approve',
    roles: ['supervisor'],
    request: ({ caseId }) => ({
      method: 'POST',
      url: `/v1/cases/${caseId}/end-of-control/approve`,
      payload: {},
    }),
    scope: 'case',
    ok: 409,
  },
  {
    route: 'GET /v1/tasks',
    roles: ALL,
    request: () => ({ method: 'GET', url: '/v1/tasks?limit=500' }),
    scope: 'list',
    ok: 200,
    includes: (reply, { caseId }) =>
      reply.json().items.some((task: { caseId: string }) => task.caseId === caseId),
  },
  {
    // Issue 18: the caller's own daily summaries, counts only: not about one case.
    route: 'GET /v1/summaries',
    roles: ['caseworker'],
    request: () => ({ method: 'GET', url: '/v1/summaries' }),
    scope: 'none',
    ok: 200,
  },
  {
    route: 'GET /v1/notifications',
    roles: ['supervisor', 'police'],
    request: ({ caseId }) => ({ method: 'GET', url: `/v1/notifications?caseId=${caseId}` }),
    scope: 'none',
    ok: 200,
  },
  {
    route: 'GET /v1/cases/export',
    roles: ['supervisor'],
    request: ({ jurisdiction }) => ({
      method: 'GET',
      url: `/v1/cases/export?format=csv&jurisdiction=${jurisdiction}`,
    }),
    scope: 'list',
    ok: 200,
    includes: (reply, { caseId }) => reply.body.includes(caseId),
  },
  {
    route: 'GET /v1/cases/:id/documents/:kind',
    roles: ['liaison', 'caseworker', 'supervisor'],
    request: ({ caseId }) => ({ method: 'GET', url: `/v1/cases/${caseId}/documents/registration` }),
    scope: 'case',
    ok: 200,
  },
  {
    route: 'GET /v1/reports/monthly',
    roles: ['supervisor'],
    request: () => ({ method: 'GET', url: '/v1/reports/monthly' }),
    scope: 'none',
    ok: 200,
  },
  {
    route: 'GET /v1/imports/template.csv',
    roles: ['supervisor'],
    request: () => ({ method: 'GET', url: '/v1/imports/template.csv' }),
    scope: 'none',
    ok: 200,
  },
  {
    // A dry run (nothing is created): a row is valid only in a jurisdiction of the importer's.
    route: 'POST /v1/imports',
    roles: ['supervisor'],
    request: ({ jurisdiction }) => ({
      method: 'POST',
      url: '/v1/imports?dryRun=true',
      headers: { 'content-type': 'text/csv' },
      payload: importCsv([
        {
          name: '某某',
          idNumber: handover().person.idNumber,
          measure: 'community_detox',
          residenceAddress: '某路 1 号',
          jurisdiction,
          decidedAt: '2026-06-01',
        },
      ]),
    }),
    scope: 'list',
    ok: 200,
    includes: (reply) => reply.json().valid === 1,
  },
  {
    route: 'GET /v1/imports/:id',
    roles: ['supervisor'],
    request: ({ importId }) => ({ method: 'GET', url: `/v1/imports/${importId}` }),
    scope: 'case',
    ok: 200,
  },
  ...['stalled', 'caseloads', 'kpis'].map((name) => ({
    route: `GET /v1/supervisor/${name}`,
    roles: ['supervisor'] as const,
    request: () => ({ method: 'GET' as const, url: `/v1/supervisor/${name}` }),
    scope: 'none' as const,
    ok: 200 as const,
  })),
];

/** The demo users, plus a district liaison and another district's police, so every role has a narrow user. */
const EXTRA_USERS = [
  {
    username: 'worker.shuangta',
    displayName: '双塔街道禁毒社工',
    role: 'caseworker' as const,
    jurisdictions: ['suzhou.gusu.shuangta'],
  },
  {
    username: 'liaison.gusu',
    displayName: '姑苏区联络员',
    role: 'liaison' as const,
    jurisdictions: ['suzhou.gusu'],
  },
  {
    username: 'police.wuzhong',
    displayName: '吴中区社区民警',
    role: 'police' as const,
    jurisdictions: ['suzhou.wuzhong'],
  },
];
/**
 * The demo users the matrix walks, named: the v1.2 demo users (a second district's supervisor and
 * police, a street's second caseworker) add no role or jurisdiction the walk lacks (police.wuzhong
 * is already an extra user) and would add half again to its run time.
 */
const WALKED_DEMO_USERS = [
  'liaison',
  'worker.canglang',
  'worker.changqiao',
  'supervisor.gusu',
  'supervisor.city',
  'police.gusu',
];
const USERS = [...DEMO_USERS.filter((user) => WALKED_DEMO_USERS.includes(user.username)), ...EXTRA_USERS];
const JURISDICTIONS = ['suzhou.gusu.canglang', 'suzhou.gusu.shuangta', 'suzhou.wuzhong.changqiao'];

type Expected = { status: number; sees?: boolean };

function expected(row: RouteRow, user: (typeof USERS)[number], jurisdiction: string): Expected {
  if (!row.roles.includes(user.role)) return { status: 403 };
  const within = isWithin(jurisdiction, user.jurisdictions);
  switch (row.scope) {
    case 'case':
      return { status: within ? row.ok : 404 };
    case 'list':
      return { status: row.ok, sees: within };
    case 'create':
      return { status: within ? row.ok : 422 };
    case 'none':
      return { status: row.ok };
  }
}

const CELLS = ROUTES.flatMap((row) =>
  USERS.flatMap((user) =>
    JURISDICTIONS.map((jurisdiction) => ({
      row,
      user,
      jurisdiction,
      expect: expected(row, user, jurisdiction),
    })),
  ),
);

let system: TestSystem;
const targets = new Map<string, Target>();

async function openCase(jurisdiction: string): Promise<Target> {
  const body = handover({ destination: jurisdiction });
  const reply = await system.as('liaison', { method: 'POST', url: '/v1/cases', payload: body });
  expect(reply.statusCode).toBe(201);
  return {
    caseId: reply.json().id,
    idNumber: body.person.idNumber,
    jurisdiction,
    importId: importIds.get(jurisdiction)!,
  };
}
const importIds = new Map<string, string>();
beforeAll(async () => {
  system = await startTestSystem();
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const user of EXTRA_USERS) await upsertUser(system.db.database.db, { ...user, passwordHash });
  for (const jurisdiction of JURISDICTIONS) {
    const id = randomUUID();
    const at = new Date();
    await insertImportJob(
      system.db.database.db,
      {
        id,
        status: 'done',
        contentHash: id,
        createdById: id,
        createdBy: 'supervisor.street',
        createdByRole: 'supervisor',
        scope: [jurisdiction],
        total: 0,
        createdAt: at,
        updatedAt: at,
        finishedAt: at,
      },
      [],
    );
    importIds.set(jurisdiction, id);
  }
  for (const jurisdiction of JURISDICTIONS) targets.set(jurisdiction, await openCase(jurisdiction));
});
afterAll(async () => {
  await system?.close();
});

describe('R21: role × route × jurisdiction, deny by default', () => {
  it('covers every route of the OpenAPI document that needs a token', async () => {
    const document = (await system.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, operations]) =>
        Object.keys(operations).map(
          (method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
        ),
    );
    // Public, or a caller's own session for every role (walking them here would end the cached
    // tokens; test/api/sessions.test.ts proves them): not about a case or a jurisdiction.
    const open = [
      'POST /v1/auth/login',
      'POST /v1/auth/logout',
      'POST /v1/auth/password',
      'GET /healthz',
      'GET /readyz',
    ];
    expect(documented.filter((route) => !open.includes(route)).sort()).toEqual(
      [...new Set(ROUTES.map((r) => r.route))].sort(),
    );
  });

  it.each(
    CELLS.map((cell) => [cell.row.route, cell.user.username, cell.jurisdiction, cell.expect, cell] as const),
  )(
    '%s as %s about a case in %s → %j',
    async (_route, username, _jurisdiction, want, { row, jurisdiction }) => {
      const target = row.fresh ? await openCase(jurisdiction) : targets.get(jurisdiction)!;
      const reply = await system.as(username, row.request(target));
      expect(reply.statusCode).toBe(want.status);
      if (want.status >= 400) {
        expect(reply.headers['content-type']).toContain('application/problem+json');
      }
      if (row.scope === 'case' && want.status === 404) {
        const missing = await system.as(
          username,
          row.request({
            ...target,
            caseId: '00000000-0000-4000-8000-000000000000',
            importId: '00000000-0000-4000-8000-000000000000',
          }),
        );
        expect(reply.body).toBe(missing.body);
      }
      if (want.sees !== undefined) expect(row.includes!(reply, target)).toBe(want.sees);
    },
  );
});

// ── the side dimension (issue 25 item 3) ─────────────────────────────────────
// The same table by the side a caller stands on (schemas/access.ts): every (role, side, action)
// cell through HTTP, on a real case on that side. A delegated case (Canglang, its daily work
// delegated to Changqiao, R23) serves the responsible and delegate columns; a case in transfer
// from Canglang to Changqiao (R15) the receiving one. A step that changes who stands where, or
// that the workflow takes once, gets a case of its own.

interface SideTarget {
  caseId: string;
  /** An open task of the case, for extend. */
  taskId: string;
  taskDueAt: string;
  /** Where its caseworker records a report-in: its street, or the street it is moving to. */
  street: string;
}

type Status = 200 | 201 | 409;
interface ActionRow {
  action: Action;
  route: string;
  request(target: SideTarget): InjectOptions;
  /** What a caller the table lets through gets on that side's case: the workflow's own answer. */
  ok: Status | ((side: Side, role: Role) => Status);
  fresh?: boolean;
}

const CANGLANG = 'suzhou.gusu.canglang';
const CHANGQIAO = 'suzhou.wuzhong.changqiao';
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();
const event = (payload: Record<string, unknown>) => (target: SideTarget) =>
  ({ method: 'POST', url: `/v1/cases/${target.caseId}/events`, payload }) as const;
const command = (path: string, payload: object) => (target: SideTarget) =>
  ({ method: 'POST', url: `/v1/cases/${target.caseId}/${path}`, payload }) as const;

const EVENT_ROWS: Record<EventType, Omit<ActionRow, 'action' | 'route'>> = {
  intervention: { request: event({ type: 'intervention', kind: 'interview' }), ok: 409 },
  agreement_signed: { request: event({ type: 'agreement_signed', kind: 'community' }), ok: 201 },
  release_date_confirmed: {
    request: event({ type: 'release_date_confirmed', releaseAt: inDays(10) }),
    ok: 409,
  },
  released: { request: event({ type: 'released' }), ok: 409 },
  picked_up: { request: event({ type: 'picked_up', by: '社工' }), ok: 409 },
  // The responsible side's caseworker: the person reported in long ago; the receiving one: arrival.
  reported_in: {
    request: (target) => event({ type: 'reported_in', jurisdiction: target.street })(target),
    ok: (side) => (side === 'responsible' ? 409 : 201),
    fresh: true,
  },
  home_visit: { request: event({ type: 'home_visit', reached: true }), ok: 201 },
  contact: { request: event({ type: 'contact', channel: 'phone', reached: true }), ok: 201 },
  test: {
    request: event({ type: 'test', method: 'urine', result: 'negative', unannounced: false }),
    ok: 201,
  },
  leave_notice: {
    request: event({ type: 'leave_notice', from: inDays(1), until: inDays(5), destination: '上海' }),
    ok: 201,
  },
  absence_found: { request: event({ type: 'absence_found', from: inDays(-0.001) }), ok: 201, fresh: true },
  detained: { request: event({ type: 'detained' }), ok: 201, fresh: true },
  freed: { request: event({ type: 'freed' }), ok: 409 },
  sentenced: { request: event({ type: 'sentenced' }), ok: 201, fresh: true },
  // After release a service is the caseworker's to record (R24): the liaison gets the route's 409.
  service: {
    request: event({ type: 'service', area: 'employment', action: 'assessed' }),
    ok: (_side, role) => (role === 'liaison' ? 409 : 201),
  },
};

const UPDATE_ROWS: Record<UpdateName, Omit<ActionRow, 'action'>> = {
  transfer: {
    route: 'POST /v1/cases/:id/transfer',
    request: command('transfer', { to: 'suzhou.gusu.shuangta', reason: '迁居' }),
    ok: 200,
    fresh: true,
  },
  delegate: {
    route: 'POST /v1/cases/:id/delegate',
    request: command('delegate', { to: 'suzhou.gusu.shuangta', reason: '人户分离' }),
    ok: 200,
    fresh: true,
  },
  endDelegation: {
    route: 'POST /v1/cases/:id/delegate/end',
    request: command('delegate/end', { reason: '结束' }),
    ok: 200,
    fresh: true,
  },
  close: {
    route: 'POST /v1/cases/:id/close',
    request: command('close', { reason: '测试' }),
    ok: 200,
    fresh: true,
  },
  setTier: {
    route: 'POST /v1/cases/:id/tier',
    request: command('tier', { tier: 'stable', reason: '评估' }),
    ok: 200,
  },
  assign: {
    route: 'POST /v1/cases/:id/assign',
    request: command('assign', { caseworker: 'worker.canglang' }),
    ok: 200,
  },
  extendTask: {
    route: 'POST /v1/cases/:id/tasks/:taskId/extend',
    request: (target) =>
      command(`tasks/${target.taskId}/extend`, {
        until: new Date(Date.parse(target.taskDueAt) + 86_400_000).toISOString(),
        reason: '顺延',
      })(target),
    ok: 200,
    fresh: true,
  },
  // No R19 proposal is drafted on a case in its first year: the workflow's 409.
  approveEndOfControl: {
    route: 'POST /v1/cases/:id/end-of-control/approve',
    request: command('end-of-control/approve', {}),
    ok: 409,
  },
};

const ACTION_ROWS: ActionRow[] = [
  {
    action: 'read',
    route: 'GET /v1/cases/:id',
    request: ({ caseId }) => ({ method: 'GET', url: `/v1/cases/${caseId}` }),
    ok: 200,
  },
  {
    action: 'read',
    route: 'GET /v1/cases/:id/timeline',
    request: ({ caseId }) => ({ method: 'GET', url: `/v1/cases/${caseId}/timeline` }),
    ok: 200,
  },
  {
    action: 'document',
    route: 'GET /v1/cases/:id/documents/:kind',
    request: ({ caseId }) => ({ method: 'GET', url: `/v1/cases/${caseId}/documents/registration` }),
    ok: 200,
  },
  {
    action: 'parties',
    route: 'POST /v1/cases/:id/parties',
    request: command('parties', { role: 'family', name: '张母', relation: '母亲' }),
    ok: 201,
  },
  ...(Object.keys(EVENT_ROWS) as EventType[]).map((type) => ({
    action: `event:${type}` as const,
    route: `POST /v1/cases/:id/events ${type}`,
    ...EVENT_ROWS[type],
  })),
  ...(Object.keys(UPDATE_ROWS) as UpdateName[]).map((name) => ({ action: name, ...UPDATE_ROWS[name] })),
];

type CaseKind = 'delegated' | 'in_transfer';
const SIDE_COLUMNS: { side: Side; kind: CaseKind; users: string[] }[] = [
  {
    side: 'responsible',
    kind: 'delegated',
    users: ['liaison.gusu', 'worker.canglang', 'supervisor.gusu', 'police.gusu'],
  },
  {
    side: 'delegate',
    kind: 'delegated',
    users: ['liaison.wuzhong', 'worker.changqiao', 'supervisor.wuzhong', 'police.wuzhong'],
  },
  {
    side: 'receiving_before_arrival',
    kind: 'in_transfer',
    users: ['liaison.wuzhong', 'worker.changqiao', 'supervisor.wuzhong', 'police.wuzhong'],
  },
];
/** Users of the side columns that the role × route × jurisdiction matrix above does not walk. */
const SIDE_USERS = [
  {
    username: 'liaison.wuzhong',
    displayName: '吴中区联络员',
    role: 'liaison' as const,
    jurisdictions: ['suzhou.wuzhong'],
  },
  {
    username: 'supervisor.wuzhong',
    displayName: '吴中区禁毒办督导',
    role: 'supervisor' as const,
    jurisdictions: ['suzhou.wuzhong'],
  },
];
const roleOf = (username: string) =>
  [...USERS, ...SIDE_USERS].find((user) => user.username === username)!.role;

/** The codes by which the table refuses: an allowed cell never answers one of them. */
const ACCESS_CODES = ['forbidden', 'not_found', 'responsible_side_only', 'receiving_side_before_arrival'];

const SIDE_CELLS = SIDE_COLUMNS.flatMap(({ side, kind, users }) =>
  ACTION_ROWS.flatMap((row) =>
    users.map((username) => ({
      side,
      kind,
      username,
      row,
      decision: decide(roleOf(username), [side], row.action),
    })),
  ),
);

const sideCases = new Map<CaseKind, SideTarget>();

/** A police-ordered case reported in at Canglang (R22), then delegated to or in transfer to Changqiao. */
async function openOnSide(kind: CaseKind): Promise<SideTarget> {
  const opened = await system.as('worker.canglang', {
    method: 'POST',
    url: '/v1/cases',
    payload: policeOrder({ destination: CANGLANG }),
  });
  expect(opened.statusCode).toBe(201);
  const caseId: string = opened.json().id;
  const reported = await system.as('worker.canglang', {
    method: 'POST',
    url: `/v1/cases/${caseId}/events`,
    payload: { type: 'reported_in', jurisdiction: CANGLANG },
  });
  expect(reported.statusCode).toBe(201);
  const step = kind === 'delegated' ? 'delegate' : 'transfer';
  const moved = await system.as('supervisor.gusu', {
    method: 'POST',
    url: `/v1/cases/${caseId}/${step}`,
    payload: { to: CHANGQIAO, reason: kind === 'delegated' ? '人户分离' : '迁居' },
  });
  expect(moved.statusCode).toBe(200);
  const [task] = (moved.json().case ?? moved.json()).openTasks as { id: string; dueAt: string }[];
  return {
    caseId,
    taskId: task!.id,
    taskDueAt: task!.dueAt,
    street: kind === 'delegated' ? CANGLANG : CHANGQIAO,
  };
}

describe('R15, R23: role × side × action, every cell of the access table', () => {
  beforeAll(async () => {
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    for (const user of SIDE_USERS) await upsertUser(system.db.database.db, { ...user, passwordHash });
    sideCases.set('delegated', await openOnSide('delegated'));
    sideCases.set('in_transfer', await openOnSide('in_transfer'));
  });

  it('walks every action of the table', () => {
    const actions: Action[] = [
      ...(Object.keys(CASE_ACTIONS) as Action[]),
      ...Object.keys(EVENTS).map((type) => `event:${type}` as Action),
      ...(Object.keys(UPDATES) as Action[]),
    ];
    expect([...new Set(ACTION_ROWS.map((row) => row.action))].sort()).toEqual(actions.sort());
    expect(SIDE_COLUMNS.map((column) => column.side).sort()).toEqual([...SIDES].sort());
    for (const column of SIDE_COLUMNS) {
      expect(column.users.map(roleOf).sort()).toEqual(['caseworker', 'liaison', 'police', 'supervisor']);
    }
  });

  it.each(
    SIDE_CELLS.map(
      (cell) =>
        [
          cell.row.route,
          cell.username,
          cell.side,
          cell.decision.allowed ? 'allowed' : `${cell.decision.status} ${cell.decision.code}`,
          cell,
        ] as const,
    ),
  )('%s as %s on the %s side → %s', async (_route, username, side, _want, { kind, row, decision }) => {
    const target = row.fresh && decision.allowed ? await openOnSide(kind) : sideCases.get(kind)!;
    const reply = await system.as(username, row.request(target));
    if (!decision.allowed) {
      expect([reply.statusCode, reply.json().code]).toEqual([decision.status, decision.code]);
      if (decision.status === 404) {
        const missing = await system.as(
          username,
          row.request({ ...target, caseId: '00000000-0000-4000-8000-000000000000' }),
        );
        expect(reply.body).toBe(missing.body);
      }
      return;
    }
    const ok = typeof row.ok === 'number' ? row.ok : row.ok(side, roleOf(username));
    expect([reply.statusCode, reply.statusCode >= 400 ? reply.json().code : null]).toEqual([
      ok,
      ok >= 400 ? expect.not.stringMatching(new RegExp(`^(${ACCESS_CODES.join('|')})$`)) : null,
    ]);
  });

  it('R23: after the whole table, both cases still work and the API answers', async () => {
    const delegated = sideCases.get('delegated')!;
    const contact = await system.as('worker.changqiao', {
      method: 'POST',
      url: `/v1/cases/${delegated.caseId}/events`,
      payload: { type: 'contact', channel: 'interview', reached: true },
    });
    expect(contact.statusCode).toBe(201);
    expect(contact.json().case).toMatchObject({
      status: 'open',
      jurisdiction: CANGLANG,
      delegatedTo: CHANGQIAO,
    });
    const moving = await system.as('worker.changqiao', {
      method: 'POST',
      url: `/v1/cases/${sideCases.get('in_transfer')!.caseId}/events`,
      payload: { type: 'reported_in', jurisdiction: CHANGQIAO },
    });
    expect(moving.statusCode).toBe(201);
    expect(moving.json().case).toMatchObject({ jurisdiction: CHANGQIAO, transferTo: null });
    expect((await system.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
