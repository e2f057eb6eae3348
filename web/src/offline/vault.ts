import { DEVICE_ID_PATTERN } from '../../../schemas/codes';
import { currentSession } from '../api';

// The console's offline store: IndexedDB, every record encrypted with AES-GCM (docs/security.md
// "The console offline"). The key is derived (HKDF) from `offline.vaultKey` of the login reply,
// which the server derives from the user and this browser's random device id: the same at each
// login of that user here, kept only in sessionStorage with the session and as a non-extractable
// CryptoKey. Closing the tab leaves ciphertext: the kept reads are deleted at the next start, the
// outbox waits for its user's next login here (ORPHAN_MS at most), and nobody else can open it.

const DB_NAME = 'console-offline';
/** This browser's random id, sent at login; not a secret (the key needs the server and the password). */
const DEVICE = 'console.device';
/** Whose kept reads this tab's store holds: a reload keeps them, a new login starts without. */
const OPENED = 'console.offline.user';
/** Only when the server sends no vaultKey: a per-tab secret, so the store dies with the tab as before. */
const SECRET = 'console.offline.secret';
/**
 * How long unsent records nobody here can open (another user's, a closed tab's awaiting its user)
 * are kept from when they were recorded: the API keeps an Idempotency-Key's first reply 24 h, so
 * within that time a resend after a lost answer is still recorded once.
 */
export const ORPHAN_MS = 24 * 3_600_000;
export const STORES = ['reads', 'outbox'] as const;
export type Store = (typeof STORES)[number];

interface Sealed {
  iv: Uint8Array<ArrayBuffer>;
  data: ArrayBuffer;
  /** When it was first stored (ms): in clear, so an orphan can be aged without its key. */
  at?: number;
}

let opened: Promise<IDBDatabase> | undefined;
let key: { user: string; key: Promise<CryptoKey> } | undefined;

const done = <T>(request: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });

function database(): Promise<IDBDatabase> {
  opened ??= new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore('reads');
      request.result.createObjectStore('outbox', { autoIncrement: true });
    };
    request.onsuccess = () => {
      // Another tab's logout deletes the database: let it, and open afresh next time.
      request.result.onversionchange = () => (request.result.close(), (opened = undefined));
      resolve(request.result);
    };
    request.onerror = () => reject(request.error ?? new Error('IndexedDB unavailable'));
  });
  opened.catch(() => (opened = undefined));
  return opened;
}

/** Whether the store exists at all (a start with nothing kept does not create it). */
async function exists(): Promise<boolean> {
  if (opened) return true;
  if (!indexedDB.databases) return true;
  return (await indexedDB.databases()).some((db) => db.name === DB_NAME);
}

const base64 = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const unbase64 = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
    c.charCodeAt(0),
  ) as Uint8Array<ArrayBuffer>;

/** This browser's device id for the login (none where localStorage is refused: the outbox then dies with the tab). */
export function deviceId(): string | undefined {
  try {
    let id = localStorage.getItem(DEVICE);
    if (!id || !DEVICE_ID_PATTERN.test(id)) {
      id = base64(crypto.getRandomValues(new Uint8Array(32)));
      localStorage.setItem(DEVICE, id);
    }
    return id;
  } catch {
    return undefined;
  }
}

/** The session's key for `user`: from the server's vaultKey (or, without one, a secret of this tab). */
function sessionKey(user: string): Promise<CryptoKey> {
  if (key?.user === user) return key.key;
  const session = currentSession();
  const given = session?.user.id === user ? session.offline?.vaultKey : undefined;
  let secret: Uint8Array<ArrayBuffer>;
  if (given) secret = unbase64(given);
  else {
    const stored = JSON.parse(sessionStorage.getItem(SECRET) ?? 'null') as {
      user: string;
      secret: string;
    } | null;
    if (stored?.user === user) secret = unbase64(stored.secret);
    else {
      secret = crypto.getRandomValues(new Uint8Array(32));
      sessionStorage.setItem(SECRET, JSON.stringify({ user, secret: base64(secret) }));
    }
  }
  const derived = crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveKey']).then((material) =>
    crypto.subtle.deriveKey(
      {
        name: 'HKDF',
        hash: 'SHA-256',
        salt: new TextEncoder().encode(DB_NAME),
        info: new TextEncoder().encode(user),
      },
      material,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    ),
  );
  key = { user, key: derived };
  return derived;
}

async function clear(store: Store): Promise<void> {
  const db = await database();
  await done(db.transaction(store, 'readwrite').objectStore(store).clear());
}

/** Outbox records `user` cannot open (or, with no user, any) recorded more than ORPHAN_MS ago go. */
async function dropOrphans(user?: string): Promise<void> {
  const db = await database();
  const os = db.transaction('outbox').objectStore('outbox');
  const [ids, values] = await Promise.all([done(os.getAllKeys()), done(os.getAll())]);
  for (const [i, id] of ids.entries()) {
    const sealed = values[i] as Sealed;
    if (Date.now() - (sealed.at ?? 0) < ORPHAN_MS) continue;
    if (user && (await unseal(user, slot('outbox', id as number), sealed)) !== null) continue;
    await done(db.transaction('outbox', 'readwrite').objectStore('outbox').delete(id));
  }
}

async function sealedInOutbox(): Promise<number> {
  if (!(await exists())) return 0;
  const db = await database();
  return done(db.transaction('outbox').objectStore('outbox').count());
}

/**
 * For the login screen: how many records wait on this device, whoever recorded them (a count:
 * whose they are needs their key), orphans past their time gone first.
 */
export async function waitingOnDevice(): Promise<number> {
  if (!(await exists())) return 0;
  await dropOrphans();
  return sealedInOutbox();
}

/** The store with nothing left in it goes entirely, and anything in Cache Storage that is not the app shell. */
async function tidy(): Promise<void> {
  if ((await sealedInOutbox()) === 0) {
    const db = await opened?.catch(() => undefined);
    db?.close();
    opened = undefined;
    await new Promise<void>((resolve) => {
      const request = indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    });
  }
  // The service worker keeps only the app shell; anything else in Cache Storage is not ours to keep.
  if ('caches' in globalThis)
    for (const name of await caches.keys()) if (!name.startsWith('shell-')) await caches.delete(name);
}

/** A session starts (or the page reloads within one): another login's reads go, old orphans too. */
export async function openVault(user: string): Promise<void> {
  if (sessionStorage.getItem(OPENED) !== user) {
    key = undefined;
    await clear('reads');
    sessionStorage.setItem(OPENED, user);
  }
  await sessionKey(user);
  await dropOrphans(user);
}

/** At start with no session: the kept reads go; the outbox waits for its user, ORPHAN_MS at most. */
export async function wipeIfOrphaned(): Promise<void> {
  sessionStorage.removeItem(OPENED);
  sessionStorage.removeItem(SECRET);
  if (!(await exists())) return;
  await clear('reads');
  await dropOrphans();
  await tidy();
}

/**
 * Logout: every kept read, the key and the session's secret go at once. Unsent records (the
 * console names them first) stay sealed for this user's next login here, and nobody else's.
 */
export async function closeVault(): Promise<void> {
  sessionStorage.removeItem(OPENED);
  sessionStorage.removeItem(SECRET);
  key = undefined;
  if (!(await exists())) return;
  await clear('reads');
  await tidy();
}

async function seal(user: string, slot: string, value: unknown): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(slot) },
    await sessionKey(user),
    new TextEncoder().encode(JSON.stringify(value)),
  );
  return { iv, data };
}

async function unseal<T>(user: string, slot: string, sealed: Sealed): Promise<T | null> {
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: sealed.iv, additionalData: new TextEncoder().encode(slot) },
      await sessionKey(user),
      sealed.data,
    );
    return JSON.parse(new TextDecoder().decode(plain)) as T;
  } catch {
    return null; // sealed under another session's key: unreadable, as intended
  }
}

/** Writes `value` under `id` (or, with no id, as the next entry of an auto-numbered store). */
export async function put(user: string, store: Store, id: string | number | undefined, value: unknown) {
  const db = await database();
  const before =
    id === undefined
      ? undefined
      : ((await done(db.transaction(store).objectStore(store).get(id))) as Sealed | undefined);
  const sealed = { ...(await seal(user, slot(store, id ?? '*'), value)), at: before?.at ?? Date.now() };
  const tx = db.transaction(store, 'readwrite');
  return (await done(
    id === undefined ? tx.objectStore(store).add(sealed) : tx.objectStore(store).put(sealed, id),
  )) as number | string;
}

/** What each ciphertext is bound to (GCM additional data): a read to its path, so none can stand in for another. */
const slot = (store: Store, id: string | number) => (store === 'outbox' ? 'outbox:*' : `${store}:${id}`);

export async function get<T>(user: string, store: Store, id: string | number): Promise<T | null> {
  const db = await database();
  const sealed = (await done(db.transaction(store).objectStore(store).get(id))) as Sealed | undefined;
  return sealed ? unseal<T>(user, slot(store, id), sealed) : null;
}

/** Every readable record of a store, in key order (the outbox: the order things were recorded). */
export async function all<T>(user: string, store: Store): Promise<{ id: string | number; value: T }[]> {
  const db = await database();
  const os = db.transaction(store).objectStore(store);
  const [ids, values] = await Promise.all([done(os.getAllKeys()), done(os.getAll())]);
  const out: { id: string | number; value: T }[] = [];
  for (const [i, id] of ids.entries()) {
    const value = await unseal<T>(user, slot(store, id as string | number), values[i] as Sealed);
    if (value !== null) out.push({ id: id as string | number, value });
  }
  return out;
}

export async function remove(store: Store, id: string | number): Promise<void> {
  const db = await database();
  await done(db.transaction(store, 'readwrite').objectStore(store).delete(id));
}
