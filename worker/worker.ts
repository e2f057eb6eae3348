import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { faultRecorder } from '../activities/fault-recorder';
import type { NotificationChannel } from '../activities/notifier';
import { encryptedDataConverter } from '../codec/data-converter';
import type { Db } from '../db/client';
import { RedactActivityErrors } from './redact-activity-errors';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  /** Where notifications go (log, webhook); tests pass a recording channel. */
  channels: NotificationChannel[];
  /** Encrypts every payload the worker sends to Temporal (codec/): names and ID numbers never in plaintext (R21). */
  payloadCodec: PayloadCodec;
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
    dataConverter: encryptedDataConverter(deps.payloadCodec),
    activities: createActivities({ db: deps.db, channels: deps.channels }),
    // The fault recorder sees the original error (its kind only); redaction then strips values
    // before the failure reaches Temporal. Tests may add their own (test/faults).
    interceptors: {
      ...deps.interceptors,
      activity: [
        () => ({ inbound: new RedactActivityErrors() }),
        faultRecorder(deps.db),
        ...(deps.interceptors?.activity ?? []),
      ],
    },
    // On SIGTERM running activities get this long to finish and report before they are handed
    // back to Temporal (retried elsewhere); the process never hangs on a stuck one.
    shutdownGraceTime: '10 seconds',
    shutdownForceTime: '30 seconds',
  });
}
