import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, currentSession, endSession, revokeSession, type Problem, type Session } from '../api';
import { t } from '../i18n';
import { purgeExpired } from './reads';
import { all, closeVault, openVault, put, remove, wipeIfOrphaned } from './vault';

// What was recorded while the network was down waits here, in the order it happened, each item
// with the Idempotency-Key it was stored with before its first send and the time it happened.
// Sending it again after a lost answer (the connection dropped mid-sync, the page was reloaded)
// gets the API's first answer for that key, so each is recorded once. A refusal stays in the
// outbox, shown at its case, until the caseworker has read it. The outbox outlives the tab and a
// logout: sealed under this user's key for this browser, it is sent at their next login here.

export interface OutboxItem {
  key: string;
  caseId: string;
  /** The person's name, for the list (kept encrypted like the rest). */
  caseName?: string;
  path: string;
  /** The event type, for the list's words. */
  type: string;
  body: Record<string, unknown> & { occurredAt: string };
  state: 'waiting' | 'refused';
  problem?: Problem;
}
export interface Queued {
  id: number;
  item: OutboxItem;
}

const CHANGED = 'console:outbox';
/** Fired after the outbox delivered something: screens showing server data read it again. */
export const SYNCED = 'console:synced';
/** Answers after which the same item is simply sent again later: no network, busy, or a server fault. */
const LATER = (problem: Problem) =>
  problem.status === 0 ||
  problem.status === 401 ||
  problem.status === 429 ||
  problem.status >= 500 ||
  problem.code === 'idempotency_in_progress';
const TICK_MS = 30_000;

const user = () => currentSession()?.user.id;
const changed = () => dispatchEvent(new Event(CHANGED));

export async function outbox(): Promise<Queued[]> {
  const who = user();
  if (!who) return [];
  return (await all<OutboxItem>(who, 'outbox')).map(({ id, value }) => ({ id: id as number, item: value }));
}

export async function enqueue(item: Omit<OutboxItem, 'state'>): Promise<void> {
  const who = user();
  if (!who) throw new Error('no session');
  await put(who, 'outbox', undefined, { ...item, state: 'waiting' } satisfies OutboxItem);
  changed();
  void syncOutbox();
}

/** Something is waiting: a new recording joins the queue behind it, so the order holds. */
export const hasWaiting = async () => (await outbox()).some(({ item }) => item.state === 'waiting');

/**
 * Records an event now, or queues it when the network is down (or drops before an answer comes, or
 * something recorded earlier still waits): true when it waits in the outbox.
 */
export async function recordOrQueue(item: Omit<OutboxItem, 'state'>): Promise<boolean> {
  if (!navigator.onLine || (await hasWaiting().catch(() => false))) {
    await enqueue(item);
    return true;
  }
  try {
    await api('POST', item.path, item.body, item.key);
    return false;
  } catch (error) {
    if (!(error instanceof ApiError) || error.problem.status !== 0) throw error;
    await enqueue(item);
    return true;
  }
}

export async function dismiss(id: number): Promise<void> {
  await remove('outbox', id);
  changed();
}

let running: Promise<void> | undefined;
let again = false;

/** Sends what waits, oldest first; one sync at a time across the user's tabs (and once more if asked meanwhile). */
export function syncOutbox(): Promise<void> {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    const run = () => sendWaiting().catch(() => undefined);
    do {
      again = false;
      if (navigator.locks) await navigator.locks.request('console-outbox', run);
      else await run();
    } while (again && navigator.onLine);
  })().finally(() => (running = undefined));
  return running;
}

async function sendWaiting(): Promise<void> {
  let delivered = 0;
  try {
    for (const { id, item } of await outbox()) {
      if (item.state !== 'waiting') continue;
      try {
        await api('POST', item.path, item.body, item.key);
        await remove('outbox', id);
        delivered++;
      } catch (error) {
        if (!(error instanceof ApiError) || LATER(error.problem)) return;
        await put(user()!, 'outbox', id, {
          ...item,
          state: 'refused',
          problem: error.problem,
        } satisfies OutboxItem);
      }
      changed();
    }
  } finally {
    changed();
    if (delivered > 0) dispatchEvent(new Event(SYNCED));
  }
}

let ticker: ReturnType<typeof setInterval> | undefined;

/** A session starts (or the page reloads within one): open its store, drop old copies, send what waits. */
export async function startOffline(session: Session | null): Promise<void> {
  clearInterval(ticker);
  if (!session) return wipeIfOrphaned();
  await openVault(session.user.id);
  const tick = () => {
    void purgeExpired().catch(() => undefined);
    if (navigator.onLine) void syncOutbox();
  };
  tick();
  ticker = setInterval(tick, TICK_MS);
}
addEventListener('online', () => void (currentSession() && syncOutbox()));

/**
 * Logging out deletes what is kept for reading at once. Unsent records are named first: they stay
 * sealed on this device and are sent at this user's next login here (within a day), or the user
 * stays logged in to send them now.
 */
export async function logOut(): Promise<void> {
  const unsent = (await outbox().catch(() => [])).filter(({ item }) => item.state === 'waiting').length;
  if (unsent > 0 && !confirm(t('outbox.logoutConfirm', { count: unsent }))) return;
  await revokeSession();
  await closeVault();
  endSession('loggedOut');
}

/** The outbox as a screen sees it, kept current as items are added, sent or refused. */
export function useOutbox(): Queued[] {
  const [items, setItems] = useState<Queued[]>([]);
  useEffect(() => {
    let live = true;
    const load = () =>
      void outbox().then(
        (next) => live && setItems(next),
        () => undefined,
      );
    load();
    addEventListener(CHANGED, load);
    return () => {
      live = false;
      removeEventListener(CHANGED, load);
    };
  }, []);
  return items;
}

export function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    addEventListener('online', update);
    addEventListener('offline', update);
    return () => (removeEventListener('online', update), removeEventListener('offline', update));
  }, []);
  return online;
}
