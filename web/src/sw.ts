// The console's service worker (served at /sw.js by api/web.ts, which fills in SHELL): it keeps
// the app shell of this build — the page, its hashed scripts and styles, the manifest and the
// icons — so the console opens with no network. It never touches /v1: API answers carry personal
// data and `Cache-Control: no-store`, and the console keeps what it needs offline itself,
// encrypted (web/src/offline/).

declare const SHELL: string[];

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  location: Location;
}

const worker = self as unknown as WorkerScope;
/** One cache per build, named by its script's hashed name; older builds' caches are deleted. */
const CACHE = `shell-${SHELL.find((path) => path.endsWith('.js')) ?? 'none'}`;
const SHELL_PATHS = new Set(SHELL);

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => worker.clients.claim()),
  );
});

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== worker.location.origin) return;
  if (request.mode === 'navigate' && url.pathname === '/') {
    // The page first from the network (a new build's page names its new files), else the kept one.
    event.respondWith(
      fetch(request)
        .then(async (response) => {
          if (response.ok) await (await caches.open(CACHE)).put('/', response.clone());
          return response;
        })
        .catch(async () => (await caches.match('/', { cacheName: CACHE })) ?? Response.error()),
    );
    return;
  }
  if (!SHELL_PATHS.has(url.pathname)) return; // /v1, /docs, /metrics: straight to the network
  event.respondWith(caches.match(url.pathname, { cacheName: CACHE }).then((kept) => kept ?? fetch(request)));
});
