import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { NotificationChannel } from '../activities/notifier';
import type { Db } from '../db/client';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  /** Where notifications go (log, webhook); tests pass a recording channel. */
  channels: NotificationChannel[];
  /** A prebuilt workflow bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Tests only: the fault suite's activity interceptor (test/faults/worker-with-faults.ts). */
  interceptors?: WorkerOptions['interceptors'];
}

/** The worker's wiring, in one place: the workflows and the activities with their dependencies. */
export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities({ db: deps.db, channels: deps.channels }),
    ...(deps.interceptors ? { interceptors: deps.interceptors } : {}),
    // On SIGTERM running activities get this long to finish and report before they are handed
    // back to Temporal (retried elsewhere); the process never hangs on a stuck one.
    shutdownGraceTime: '10 seconds',
    shutdownForceTime: '30 seconds',
  });
}
