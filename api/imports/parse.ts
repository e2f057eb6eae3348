import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { HttpProblem } from '../errors';
import type { ParsedImport, ParseReply, ParseRequest } from './parse-worker';
import type { ImportContext } from './validate';

/** How much a file may cost to read (api.md v1.2 "Heavy and bulk requests are bounded"). */
export interface ParseLimits {
  /** The parse worker's heap: past it the worker dies, not the API. */
  memoryMb: number;
  /** Wall-clock time before the worker is terminated. */
  timeMs: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { memoryMb: 1024, timeMs: 60_000 };
/** Files read at once by this process; more wait their turn, so two cores keep room for live work. */
const AT_ONCE = 2;

type Source = { path: string } | { code: string };
let source: Promise<Source> | undefined;

/**
 * The worker's code. Built (dist/), it is the compiled file beside this one; from the TypeScript
 * source (tsx, Jest) it is bundled once with esbuild, its packages required from node_modules.
 */
function workerSource(): Promise<Source> {
  source ??= (async () => {
    if (__filename.endsWith('.js')) return { path: join(__dirname, 'parse-worker.js') };
    const entry = join(__dirname, 'parse-worker.ts');
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      write: false,
      logLevel: 'silent',
    });
    const code = `(function (require, module, exports) {${out.outputFiles[0]!.text}\n})(require('node:module').createRequire(${JSON.stringify(entry)}), { exports: {} }, {});`;
    return { code };
  })();
  // A failed build is tried again by the next file rather than remembered.
  source.catch(() => (source = undefined));
  return source;
}

let running = 0;
const waiting: (() => void)[] = [];

async function turn(): Promise<() => void> {
  if (running >= AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  return () => {
    running -= 1;
    waiting.shift()?.();
  };
}

const unreadable = (detail: string) => new HttpProblem(422, 'import_unreadable', detail);

/**
 * Reads and checks an uploaded file in a worker thread bounded in memory and time: whatever the
 * file holds, the request thread stays free to answer (/healthz within a second), and a file
 * past a bound is a 4xx for its sender only.
 */
export async function parseImport(
  body: Buffer,
  contentType: string,
  context: ImportContext,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): Promise<ParsedImport> {
  const done = await turn();
  try {
    return await runWorker(
      await workerSource(),
      { body: new Uint8Array(body), contentType, context },
      limits,
    );
  } finally {
    done();
  }
}

function runWorker(from: Source, request: ParseRequest, limits: ParseLimits): Promise<ParsedImport> {
  return new Promise((resolve, reject) => {
    const options = {
      resourceLimits: {
        maxOldGenerationSizeMb: limits.memoryMb,
        maxYoungGenerationSizeMb: Math.min(64, Math.max(8, limits.memoryMb / 8)),
        stackSizeMb: 4,
      },
    };
    const worker =
      'path' in from ? new Worker(from.path, options) : new Worker(from.code, { ...options, eval: true });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(
      () =>
        settle(() =>
          reject(
            unreadable(
              `reading the file took longer than ${Math.round(limits.timeMs / 1000)} s; split it into smaller files`,
            ),
          ),
        ),
      limits.timeMs,
    );
    worker.once('message', (reply: ParseReply) =>
      settle(() =>
        'parsed' in reply
          ? resolve(reply.parsed)
          : reject(new HttpProblem(reply.refusal.status, reply.refusal.code, reply.refusal.detail)),
      ),
    );
    worker.once('error', (error: Error & { code?: string }) =>
      settle(() =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? unreadable(
                `reading the file needs more than ${limits.memoryMb} MB; split it into smaller files`,
              )
            : error,
        ),
      ),
    );
    worker.once('exit', () => settle(() => reject(unreadable('the file could not be read'))));
    worker.postMessage(request, [request.body.buffer as ArrayBuffer]);
  });
}
