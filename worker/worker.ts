import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { faultRecorder } from '../activities/fault-recorder';
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
    interceptors: { activity: [faultRecorder(deps.db)] },
  });
}
