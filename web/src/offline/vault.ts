// The console's offline store: IndexedDB, every record encrypted with AES-GCM under a key that
// lives only as long as the session (docs/security.md "The console offline"). The key is derived
// (HKDF) from a random secret kept in sessionStorage beside the session token, as a non-extractable
// CryptoKey: closing the tab loses the secret, and what is left in IndexedDB is ciphertext nobody
// can read, deleted the next time the console starts. Logging out deletes the database at once.

const DB_NAME = 'console-offline';
const SECRET = 'console.offline.secret';
export const STORES = ['reads', 'outbox'] as const;
export type Store = (typeof STORES)[number];

interface Sealed {
  iv: Uint8Array<ArrayBuffer>;
  data: ArrayBuffer;
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

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unbase64 = (text: string) =>
  Uint8Array.from(atob(text), (c) => c.charCodeAt(0)) as Uint8Array<ArrayBuffer>;

/** The session's key for `user`: a new secret at the start of a session, the same one after a reload. */
function sessionKey(user: string): Promise<CryptoKey> {
  if (key?.user === user) return key.key;
  const stored = JSON.parse(sessionStorage.getItem(SECRET) ?? 'null') as {
    user: string;
    secret: string;
  } | null;
  let secret: Uint8Array<ArrayBuffer>;
  if (stored?.user === user) secret = unbase64(stored.secret);
  else {
    secret = crypto.getRandomValues(new Uint8Array(32));
    sessionStorage.setItem(SECRET, JSON.stringify({ user, secret: base64(secret) }));
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

/** Whose data the store holds: another user's (or a closed tab's) is wiped before this one writes. */
export async function openVault(user: string): Promise<void> {
  const stored = JSON.parse(sessionStorage.getItem(SECRET) ?? 'null') as { user: string } | null;
  if (stored?.user !== user) await wipe();
  await sessionKey(user);
}

/** At start with no session: whatever is stored can no longer be read, so it goes. */
export async function wipeIfOrphaned(): Promise<void> {
  if (!sessionStorage.getItem(SECRET)) await wipe();
}

/** Deletes every record, the database and the session's secret (logout, another user, a closed tab). */
export async function wipe(): Promise<void> {
  sessionStorage.removeItem(SECRET);
  key = undefined;
  const db = await opened?.catch(() => undefined);
  db?.close();
  opened = undefined;
  await new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
  // The service worker keeps only the app shell; anything else in Cache Storage is not ours to keep.
  if ('caches' in globalThis)
    for (const name of await caches.keys()) if (!name.startsWith('shell-')) await caches.delete(name);
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
  const sealed = await seal(user, slot(store, id ?? '*'), value);
  const db = await database();
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
