// The production worker (worker/main.ts) with one test-only fault, for the fault suite only:
// with FAULT_KILL_AFTER_COMMIT=<n> the process SIGKILLs itself right after its n-th activity has
// committed to the database and before Temporal hears of it. Production code has no such switch.
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../config/config';
import { openDatabase } from '../../db/client';
import { runMain } from '../../config/run-main';
import { configuredWorkerDeps, createWorker } from '../../worker/worker';

const killAfter = Number(process.env.FAULT_KILL_AFTER_COMMIT ?? 0);
let completed = 0;

runMain(async () => {
  const config = loadConfig('worker');
  const database = await openDatabase(config);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createWorker({
    ...configuredWorkerDeps(config, connection, database.db),
    // Bundled once by the test run's global setup, so a restart takes a second, not ten.
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: {
            async execute(input, next) {
              const result = await next(input);
              completed += 1;
              if (killAfter > 0 && completed === killAfter) {
                process.stderr.write(`fault: SIGKILL after ${ctx.info.activityType} committed\n`);
                process.kill(process.pid, 'SIGKILL');
              }
              return result;
            },
          },
        }),
      ],
    },
  });
  process.stdout.write('fault-worker: running\n');
  try {
    await worker.run();
  } finally {
    await connection.close();
    await database.close();
  }
  process.stdout.write('fault-worker: drained\n');
});
