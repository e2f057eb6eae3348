import { api, ApiError, currentSession, type CaseView, type InboxItem, type TimelineEntry } from '../api';
import { all, get, put, remove } from './vault';

// What a caseworker can read with no network: the inbox, the cases in it and the ones opened
// recently, and the place names. Each is kept (encrypted, trimmed to what the field needs) when it
// is read online, and read back only while the network is down and only for the time the server
// allows (`offline.keepSeconds` of the login reply); older copies are deleted.

const CASE = /^\/v1\/cases\/[0-9a-f-]{36}(\/timeline)?$/;
const INBOX = '/v1/tasks?mine=true';
const JURISDICTIONS = '/v1/jurisdictions';
/** Cases of the inbox kept ahead of a visit, at most; and how old a copy may be before it is fetched again. */
const PREFETCH = 30;
const FRESH_MS = 10 * 60_000;
const TIMELINE_KEPT = 50;

interface Kept<T> {
  savedAt: number;
  data: T;
}

function keepMs(): number {
  const session = currentSession();
  if (!session || session.user.role !== 'caseworker') return 0;
  return (session.offline?.keepSeconds ?? 0) * 1000;
}

const kept = (path: string) =>
  keepMs() > 0 && (path === JURISDICTIONS || path.startsWith(INBOX) || CASE.test(path));

const mask = (id: string) =>
  id.length > 8 ? `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}` : id;

/** The least a visit needs: no full ID number, no household-register address; the recent timeline. */
function minimal(path: string, data: unknown): unknown {
  if (path.endsWith('/timeline')) {
    const { items } = data as { items: TimelineEntry[] };
    return { items: items.slice(-TIMELINE_KEPT) };
  }
  if (CASE.test(path)) {
    const c = data as CaseView;
    return {
      ...c,
      person: {
        name: c.person.name,
        idNumber: mask(c.person.idNumber),
        phone: c.person.phone,
        residenceAddress: c.person.residenceAddress,
        registeredAddress: null,
      },
    };
  }
  return data;
}

async function keep(path: string, data: unknown): Promise<void> {
  const user = currentSession()?.user.id;
  if (!user) return;
  await put(user, 'reads', path, { savedAt: Date.now(), data: minimal(path, data) } satisfies Kept<unknown>);
  if (path.startsWith(INBOX)) await prefetch((data as { items: InboxItem[] }).items);
}

/** The inbox's cases, kept before the caseworker walks into a stairwell with no signal. */
async function prefetch(items: InboxItem[]): Promise<void> {
  const user = currentSession()?.user.id;
  if (!user) return;
  const ids = [...new Set(items.map((item) => item.caseId))].slice(0, PREFETCH);
  for (const id of ids)
    for (const path of [`/v1/cases/${id}`, `/v1/cases/${id}/timeline`]) {
      const copy = await get<Kept<unknown>>(user, 'reads', path);
      if (copy && Date.now() - copy.savedAt < FRESH_MS) continue;
      try {
        await keep(path, await api('GET', path));
      } catch {
        return; // offline again, or refused: what is kept stays as it was
      }
    }
}

/**
 * A GET for a screen: from the API, kept for offline use when it is one of the kept reads; with no
 * network, the kept copy and the time it was saved, if there is one still within the allowed time.
 */
export async function readThrough<T>(path: string): Promise<{ data: T; savedAt?: number }> {
  try {
    const data = await api<T>('GET', path);
    if (kept(path)) void keep(path, data).catch(() => undefined);
    return { data };
  } catch (error) {
    const user = currentSession()?.user.id;
    if (!(error instanceof ApiError) || error.problem.status !== 0 || !kept(path) || !user) throw error;
    const copy = await get<Kept<T>>(user, 'reads', path).catch(() => null);
    if (!copy || Date.now() - copy.savedAt > keepMs()) throw error;
    return copy;
  }
}

/** Deletes the copies older than the allowed time (all of them when nothing may be kept). */
export async function purgeExpired(): Promise<void> {
  const user = currentSession()?.user.id;
  if (!user) return;
  const limit = keepMs();
  for (const { id, value } of await all<Kept<unknown>>(user, 'reads'))
    if (Date.now() - value.savedAt > limit) await remove('reads', id);
}
