import type { Phase, Role, Tier } from '../../schemas/codes';
import type { Problem } from './problem';

// The console's only way to the server: the /v1 API with the user's bearer token. The token
// lives in sessionStorage (gone when the tab closes: phones and desks are shared) and a 401 or the
// token's own expiry ends the session with a message, never silently.

export type { Problem };

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
}

export type { Phase, Role, Tier };
export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  jurisdictions: string[];
}
export interface Session {
  token: string;
  expiresAt: string;
  user: User;
}
export type SessionEnd = 'expired' | 'loggedOut';

const STORED = 'console.session';
let session: Session | null = JSON.parse(sessionStorage.getItem(STORED) ?? 'null') as Session | null;
let listener: (session: Session | null, ended?: SessionEnd) => void = () => {};
let expiry: ReturnType<typeof setTimeout> | undefined;

function arm(): void {
  clearTimeout(expiry);
  if (session) expiry = setTimeout(() => endSession('expired'), Date.parse(session.expiresAt) - Date.now());
}
arm();

export const currentSession = () => session;
export const onSessionChange = (fn: typeof listener) => (listener = fn);

export function startSession(next: Session): void {
  session = next;
  sessionStorage.setItem(STORED, JSON.stringify(next));
  arm();
  listener(session);
}

export function endSession(why: SessionEnd): void {
  session = null;
  sessionStorage.removeItem(STORED);
  clearTimeout(expiry);
  listener(null, why);
}

/**
 * One request. A recording POST sends the `idempotencyKey` its form made when it opened, so a
 * retry after a network failure records once.
 */
export async function api<T>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  idempotencyKey?: string,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // A file (an import) goes as it is, with its own media type; anything else as JSON.
  const file = body instanceof Blob ? body : null;
  if (file) headers['content-type'] = file.type;
  else if (body !== undefined) headers['content-type'] = 'application/json';
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  let reply: Response;
  try {
    reply = await fetch(path, {
      method,
      headers,
      body: file ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
  } catch {
    throw new ApiError({ status: 0 });
  }
  if (reply.status === 401 && session && path !== '/v1/auth/login') endSession('expired');
  if (!reply.ok) {
    const problem = (await reply.json().catch(() => ({}))) as Partial<Problem>;
    throw new ApiError({ ...problem, status: reply.status });
  }
  return (await reply.json()) as T;
}

export const newKey = () => crypto.randomUUID();

// The shapes the console reads (api.md; the OpenAPI document at /docs has them all).

export interface Task {
  id: string;
  caseId: string;
  kind: string;
  role: Role;
  dueAt: string;
  status: 'open' | 'done' | 'overdue' | 'cancelled';
  assignee: string | null;
  escalationLevel: number;
}
export interface InboxItem extends Task {
  case: { name: string; phase: Phase; tier: Tier; jurisdiction: string };
}
export interface CaseSummary {
  id: string;
  person: { name: string; idNumber: string };
  phase: Phase;
  tier: Tier;
  status: 'open' | 'closed';
  jurisdiction: string;
  assignee: string | null;
  origin: 'facility' | 'police_order';
  expectedReleaseAt: string | null;
  releasedAt: string | null;
  nextDueAt: string | null;
}
export interface CaseView extends CaseSummary {
  person: CaseSummary['person'] & {
    phone: string | null;
    residenceAddress: string;
    registeredAddress: string | null;
  };
  facility: { name: string } | null;
  decision: { authority: string; decidedAt: string; documentNo: string | null } | null;
  measure: string;
  transferTo: string | null;
  term: { startsAt: string | null; endsAt: string | null; pausedDays: number };
  counters: { testsRefused: number; leavesWithoutNotice: number; daysAwayWithoutNotice: number };
  openTasks: Task[];
  policyVersion: string;
}
export interface TimelineEntry {
  seq: number;
  at: string;
  kind: 'event' | 'engine';
  type: string;
  actor: string | null;
  data: Record<string, unknown>;
}
export interface Jurisdiction {
  code: string;
  name: string;
  parentCode: string | null;
  mine: boolean;
}
export interface StallReason {
  kind: string;
  since: string;
  detail: string;
  taskKind: string | null;
  told: string;
}
export interface Caseload {
  caseworker: string | null;
  displayName: string | null;
  openCases: number;
  byTier: Record<Tier, number>;
  overdueTasks: number;
  ratio: string;
  overRatio: boolean;
}
export interface Kpi {
  value: number | null;
  numerator: number;
  denominator: number;
}
export const KPI_NAMES = [
  'reportInRate',
  'executionRate',
  'controlRate',
  'consolidationRate',
  'firstVisitOnTimeRate',
  'testCompletionRate',
  'medianHoursReleaseToFirstVisit',
] as const;
export type KpiName = (typeof KPI_NAMES)[number];
export type Kpis = Record<KpiName, Kpi> & { from: string; to: string };

/** An import's check (api.md "Ways into the programme"). */
export interface ImportRowError {
  column: string;
  code: string;
  message: string;
}
export interface ImportDryRun {
  total: number;
  valid: number;
  invalid: { row: number; errors: ImportRowError[] }[];
  alreadyOpen: number[];
  ignoredColumns: string[];
}
export interface ImportView {
  id: string;
  status: 'running' | 'done' | 'failed';
  total: number;
  created: number;
  skipped: number;
  pending: number;
  invalid: { row: number; errors: ImportRowError[] }[];
  cases: string[];
}
