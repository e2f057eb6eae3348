import type { StallKind, Told } from '../../schemas/catalogue';
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
  /**
   * How long the console may keep this user's inbox and cases for offline reading (0: not at all),
   * and the key of this user's outbox on this browser (sent when the login named the device).
   */
  offline?: { keepSeconds: number; vaultKey?: string };
}
export type SessionEnd = 'expired' | 'loggedOut';

const STORED = 'console.session';
let session: Session | null = JSON.parse(sessionStorage.getItem(STORED) ?? 'null') as Session | null;
let listener: (session: Session | null, ended?: SessionEnd) => void = () => {};
let expiry: ReturnType<typeof setTimeout> | undefined;

function arm(): void {
  clearTimeout(expiry);
  if (session) expiry = setTimeout(expire, Date.parse(session.expiresAt) - Date.now());
}

// A token that runs out in a stairwell with no signal ends the session once the network is back
// (the caseworker logs in again, and what waits in the outbox is sent): until then what is kept
// offline stays readable, for no longer than the time the server allows it to be kept.
function expire(): void {
  if (navigator.onLine) return endSession('expired');
  addEventListener(
    'online',
    () => session && Date.parse(session.expiresAt) <= Date.now() && endSession('expired'),
    { once: true },
  );
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
  if (reply.status === 204) return undefined as T;
  return (await reply.json()) as T;
}

/**
 * Ends the token at the server (POST /v1/auth/logout), so it is refused from then on even if it
 * was copied. Offline, or with a token the server already refuses, the session still ends here.
 */
export async function revokeSession(): Promise<void> {
  if (!session) return;
  await fetch('/v1/auth/logout', {
    method: 'POST',
    headers: { authorization: `Bearer ${session.token}` },
    // A signal that comes and goes must not keep the user from logging out.
    signal: AbortSignal.timeout(5_000),
  }).catch(() => undefined);
}

/**
 * A file the API makes (an export, a printed form), fetched with the bearer token in its header:
 * a token in a URL would stay in the browser's history and the server's logs.
 */
export async function fetchFile(path: string): Promise<{ blob: Blob; filename: string }> {
  const headers: Record<string, string> = {};
  if (session) headers.authorization = `Bearer ${session.token}`;
  let reply: Response;
  try {
    reply = await fetch(path, { headers });
  } catch {
    throw new ApiError({ status: 0 });
  }
  if (reply.status === 401 && session) endSession('expired');
  if (!reply.ok) {
    const problem = (await reply.json().catch(() => ({}))) as Partial<Problem>;
    throw new ApiError({ ...problem, status: reply.status });
  }
  const disposition = reply.headers.get('content-disposition') ?? '';
  return { blob: await reply.blob(), filename: /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'download' };
}

export const newKey = () => crypto.randomUUID();

/** Saves a file the API sends (a workbook), with the user's token, under `filename`. */
export async function download(path: string, filename: string): Promise<void> {
  const headers: Record<string, string> = {};
  if (session) headers.authorization = `Bearer ${session.token}`;
  let reply: Response;
  try {
    reply = await fetch(path, { headers });
  } catch {
    throw new ApiError({ status: 0 });
  }
  if (!reply.ok) {
    const problem = (await reply.json().catch(() => ({}))) as Partial<Problem>;
    throw new ApiError({ ...problem, status: reply.status });
  }
  const url = URL.createObjectURL(await reply.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

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
  case: { name: string; phase: Phase; tier: Tier; jurisdiction: string; delegatedTo: string | null };
}
export interface CaseSummary {
  id: string;
  person: { name: string; idNumber: string };
  phase: Phase;
  tier: Tier;
  status: 'open' | 'closed';
  jurisdiction: string;
  delegatedTo: string | null;
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
  parties?: Party[];
  services?: ServicePlanLine[];
}
export interface Party {
  id: string;
  role: string;
  name: string;
  phone: string | null;
  relation: string | null;
  username: string | null;
}
export interface ServicePlanLine {
  area: string;
  assessedAt: string | null;
  referredAt: string | null;
  providedAt: string | null;
  achievedAt: string | null;
  agency: string | null;
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
  kind: StallKind;
  since: string;
  detail: string;
  taskKind: string | null;
  told: Told;
}
export interface Caseload {
  caseworker: string | null;
  displayName: string | null;
  openCases: number;
  byTier: Record<Tier, number>;
  overdueTasks: number;
  delegatedCases: number;
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
  /** Why each skipped row was skipped (api.md v1.2 "Existence is not an oracle"). */
  skippedRows?: { row: number; reason: 'already_open' | 'open_case_elsewhere' }[];
  pending: number;
  invalid: { row: number; errors: ImportRowError[] }[];
  cases: string[];
}
