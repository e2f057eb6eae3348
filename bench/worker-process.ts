// The worker as a process of its own for `npm run bench`, so that its memory (VmRSS) is its own:
// the production worker (worker/main.ts) with the tuning under test, and beside it a worker for
// the raw baseline's trivial workflow (bench/trivial-workflow.ts), on the same connection.
// BENCH_WORKER: { tuning?, workflowBundle?: path, rawTaskQueue, rawBundle: path }.
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../config/config';
import { openDatabase } from '../db/client';
import { runMain } from '../config/run-main';
import { configuredWorkerDeps, createWorker, type WorkerDeps } from '../worker/worker';

interface Spec {
  tuning?: WorkerDeps['tuning'];
  workflowBundle?: string;
  rawTaskQueue: string;
  rawBundle: string;
}

runMain(async () => {
  const spec = JSON.parse(process.env.BENCH_WORKER!) as Spec;
  const config = loadConfig('worker');
  const database = await openDatabase(config);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const started = performance.now();
  const worker = await createWorker({
    ...configuredWorkerDeps(config, connection, database.db),
    workflowBundle: spec.workflowBundle ? { codePath: spec.workflowBundle } : undefined,
    tuning: spec.tuning,
  });
  const createMs = performance.now() - started;
  const raw = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: spec.rawTaskQueue,
    workflowBundle: { codePath: spec.rawBundle },
    activities: { async nothing() {} },
  });
  process.stdout.write(`bench-worker: running ${JSON.stringify({ createMs })}\n`);
  try {
    await Promise.all([worker.run(), raw.run()]);
  } finally {
    await connection.close();
    await database.close();
  }
});
