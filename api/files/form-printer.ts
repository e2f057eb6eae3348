import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DocumentKind } from '../../schemas/files';
import type { FormJob, FormResult } from './form-thread';
import { FontMissingError, type FormData } from './forms';

/**
 * One thread per core beyond the first, at most two: the request thread keeps a core to answer
 * (`/healthz` within a second while twenty forms print), and forms wait in order for a thread.
 */
export const defaultPrintThreads = () => Math.max(1, Math.min(2, availableParallelism() - 1));

/** A thread that has not answered in this long is taken to be stuck, ended and replaced. */
const JOB_TIMEOUT_MS = 60_000;

interface Pending {
  job: FormJob;
  resolve(pdf: Buffer): void;
  reject(error: Error): void;
}

interface Thread {
  worker: Worker;
  current?: Pending;
  timer?: NodeJS.Timeout;
}

/**
 * The thread's entry: compiled JavaScript beside this file in production (dist/); under tsx and
 * Jest this file is TypeScript, and the thread registers tsx to read it the same way.
 */
function spawnThread(): Worker {
  const entry = join(__dirname, `form-thread${extname(__filename)}`);
  const options = { resourceLimits: { maxOldGenerationSizeMb: 512 } };
  if (entry.endsWith('.js')) return new Worker(entry, options);
  const tsx = require.resolve('tsx/cjs/api');
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});`, {
    ...options,
    eval: true,
  });
}

/** Prints the standard forms (R26) in a small pool of worker threads, first come first served. */
export class FormPrinter {
  private readonly threads: Thread[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly size = defaultPrintThreads()) {}

  print(kind: DocumentKind, data: FormData): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('the form printer is closed'));
    return new Promise<Buffer>((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, kind, data }, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends the threads; forms still waiting are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('the form printer is closed'));
    await Promise.all([...this.threads].map((thread) => this.end(thread, 'the form printer is closed')));
  }

  private dispatch(): void {
    while (this.queue.length) {
      let thread = this.threads.find((t) => !t.current);
      if (!thread && this.threads.length < this.size) thread = this.start();
      if (!thread) return;
      const pending = this.queue.shift()!;
      const busy = thread;
      busy.current = pending;
      busy.timer = setTimeout(() => void this.end(busy, 'printing a form took too long'), JOB_TIMEOUT_MS);
      busy.worker.ref();
      busy.worker.postMessage(pending.job);
    }
  }

  private start(): Thread {
    const thread: Thread = { worker: spawnThread() };
    thread.worker.unref();
    thread.worker.on('message', (result: FormResult) => {
      const pending = thread.current;
      if (!pending || pending.job.id !== result.id) return;
      this.settle(thread);
      if ('pdf' in result)
        pending.resolve(Buffer.from(result.pdf.buffer, result.pdf.byteOffset, result.pdf.byteLength));
      else
        pending.reject(
          result.error.fontMissing
            ? new FontMissingError(result.error.message)
            : new Error(result.error.message),
        );
      this.dispatch();
    });
    // A thread that fails or runs out of memory takes only its own form with it.
    thread.worker.on('error', (error) => this.fail(thread, error));
    thread.worker.on('exit', (code) =>
      this.fail(thread, new Error(`a printing thread exited (code ${code})`)),
    );
    this.threads.push(thread);
    return thread;
  }

  private settle(thread: Thread): void {
    clearTimeout(thread.timer);
    thread.current = undefined;
    // An idle thread does not keep the process alive.
    thread.worker.unref();
  }

  private fail(thread: Thread, error: Error): void {
    const index = this.threads.indexOf(thread);
    if (index < 0) return;
    this.threads.splice(index, 1);
    const pending = thread.current;
    this.settle(thread);
    pending?.reject(error);
    if (!this.closed) this.dispatch();
  }

  private async end(thread: Thread, reason: string): Promise<void> {
    this.fail(thread, new Error(reason));
    await thread.worker.terminate();
  }
}
