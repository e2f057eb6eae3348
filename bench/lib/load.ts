import autocannon from 'autocannon';
import { latencies, type Latencies } from './stats';

// HTTP load through autocannon, keeping every response's latency (autocannon's own histogram
// has no p95) and every status code.

export interface LoadOptions {
  /** One API, or several: connection i goes to URL i mod n (round robin over connections). */
  url: string | string[];
  connections: number;
  /** Seconds to run, or… */
  duration?: number;
  /** …exactly this many requests. */
  amount?: number;
  method: 'GET' | 'POST';
  path: string;
  token: string;
  /** A fixed body, or one built for each request from its connection's context. */
  body?: unknown;
  setup?: (context: Record<string, unknown>) => { path?: string; body?: unknown };
  onResponse?: (status: number, context: Record<string, unknown>) => void;
  onProgress?: (done: number) => void;
}

export interface LoadResult {
  seconds: number;
  /** Responses per second (any status). */
  rate: number;
  latency: Latencies;
  /** Every response's latency in ms, in the order they came. */
  times: number[];
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const times: number[] = [];
  const statuses: Record<string, number> = {};
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${options.token}` };
  const started = performance.now();
  const instance = autocannon({
    // autocannon takes an array of URLs (lib/run.js); its type declaration says a string.
    url: options.url as string,
    connections: options.connections,
    ...(options.amount === undefined ? { duration: options.duration } : { amount: options.amount }),
    timeout: 30,
    requests: [
      {
        method: options.method,
        path: options.path,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        ...(options.setup
          ? {
              setupRequest: (request, context) => {
                const built = options.setup!(context as Record<string, unknown>);
                return {
                  ...request,
                  path: built.path ?? options.path,
                  body: built.body === undefined ? undefined : JSON.stringify(built.body),
                };
              },
            }
          : {}),
        ...(options.onResponse
          ? {
              onResponse: (status, _body, context) =>
                options.onResponse!(status, context as Record<string, unknown>),
            }
          : {}),
      },
    ],
  });
  let done = 0;
  // autocannon emits (client, status, bytes, ms); its type declaration leaves out the client.
  (instance as unknown as NodeJS.EventEmitter).on(
    'response',
    (_client: unknown, status: number, _bytes: number, ms: number) => {
      times.push(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
      done += 1;
      options.onProgress?.(done);
    },
  );
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    rate: times.length / seconds,
    latency: latencies(times),
    times,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** Responses with another status than `expected`, and connection errors and timeouts. */
export function failures(result: LoadResult, expected: number): number {
  const other = Object.entries(result.statuses)
    .filter(([status]) => Number(status) !== expected)
    .reduce((sum, [, n]) => sum + n, 0);
  return other + result.errors + result.timeouts;
}

/** What those were, for a report line ("401 ×2860, 3 timeouts"); empty when none. */
export function failureKinds(result: LoadResult, expected: number): string {
  return [
    ...Object.entries(result.statuses)
      .filter(([status]) => Number(status) !== expected)
      .map(([status, n]) => `${status} ×${n}`),
    ...(result.errors ? [`${result.errors} connection errors`] : []),
    ...(result.timeouts ? [`${result.timeouts} timeouts`] : []),
  ].join(', ');
}
