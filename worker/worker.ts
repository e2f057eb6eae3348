import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { OpenTelemetryActivityInboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import {
  bundleWorkflowCode,
  NativeConnection,
  Runtime,
  Worker,
  type InjectedSinks,
  type WorkerOptions,
} from '@temporalio/worker';
import { createActivities } from '../activities';
import { faultRecorder } from './fault-recorder';
import { configuredChannels, type NotificationChannel } from '../activities/notifier';
import { EncryptionCodec } from '../codec/encryption-codec';
import type { WorkerConfig } from '../config/config';
import type { Policy } from '../config/policy';
import { DEFAULT_TIME_ZONE } from '../schemas/due';
import {
  dailyRoundsWorkflowId,
  settingsSignal,
  type DailyRoundsInput,
  type RoundsSettings,
} from '../workflows/daily-rounds.messages';
import { encryptedDataConverter, FAILURE_CONVERTER_PATH } from '../codec/data-converter';
import type { Db } from '../db/client';
import type { Tracing } from '../telemetry/tracing';
import type { WorkflowSpanSinks } from '../workflows/trace-propagation';
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
  /**
   * Worker Versioning: the deployment and build this worker is (config TEMPORAL_DEPLOYMENT_NAME
   * and TEMPORAL_BUILD_ID). Each case is pinned to the build it started on and moves to the
   * deployment's current build at its next continue-as-new (workflows/versioning.ts). Unset:
   * unversioned.
   */
  deployment?: { name: string; buildId: string };
  /** A prebuilt workflow bundle (tests build it once); otherwise `npm run build`'s, or bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Traces (telemetry/): when on, each activity's span joins the trace of the request behind it. */
  tracing?: Tracing;
  /** Tests only: the fault suite's activity interceptor (test/faults/worker-with-faults.ts). */
  interceptors?: WorkerOptions['interceptors'];
  /** Benchmarks only (bench/): the SDK's cache and concurrency settings under test. */
  tuning?: Pick<
    WorkerOptions,
    'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentActivityTaskExecutions'
  >;
}

/**
 * The SDK's process-wide runtime, installed before the first connection: its own Prometheus
 * exporter serves the `temporal_…` metrics (task slots, schedule-to-start latency, failures) at
 * `metricsAddress`, in seconds (docs/operations.md lists the alerts built on them).
 * `shutdownSignals`: the signals on which the SDK shuts the worker down by itself (its default:
 * SIGINT, SIGTERM, SIGQUIT, SIGUSR2); `npm start` passes none, as it stops the worker in its turn.
 */
export function installRuntime(
  metricsAddress: string | undefined,
  options: { shutdownSignals?: NodeJS.Signals[] } = {},
): void {
  if (!metricsAddress && !options.shutdownSignals) return;
  Runtime.install({
    ...(options.shutdownSignals ? { shutdownSignals: options.shutdownSignals } : {}),
    ...(metricsAddress
      ? {
          telemetryOptions: {
            metrics: { prometheus: { bindAddress: metricsAddress, useSecondsForDurations: true } },
          },
        }
      : {}),
  });
}

/**
 * The workflows' interceptors: one carries a trace from an update to its activities (headers
 * only); one starts each continued-as-new run on the deployment's current build.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [
  require.resolve('../workflows/trace-propagation'),
  require.resolve('../workflows/versioning'),
];

/** Written by `npm run build` beside the compiled code (dist/), so the built worker does not bundle. */
const PREBUILT_BUNDLE = join(__dirname, '..', 'workflow-bundle.js');

/**
 * The workflow bundle as the worker builds it at start, for workers given a prebuilt one. Tests
 * may add interceptor modules after the worker's own (the replay gate's input recorder).
 */
export async function bundleWorkflows(extraInterceptorModules: string[] = []): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES, ...extraInterceptorModules],
    // As the worker bundles it: failures encoded (codec/failure-converter.ts).
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  return code;
}

/** What a worker process passes to createWorker from its configuration (worker/main.ts). */
export function configuredWorkerDeps(
  config: WorkerConfig,
  connection: NativeConnection,
  db: Db,
): Omit<WorkerDeps, 'workflowBundle' | 'interceptors' | 'tuning'> {
  return {
    deployment: config.deployment,
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    db,
    channels: configuredChannels(config.notifyWebhookUrl),
    payloadCodec: new EncryptionCodec(config.payloadKeys),
  };
}

/** The worker's wiring, in one place: the workflows and the activities with their dependencies. */
export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : existsSync(PREBUILT_BUNDLE)
        ? { workflowBundle: { codePath: PREBUILT_BUNDLE } }
        : { workflowsPath: require.resolve('../workflows') }),
    ...(deps.deployment && {
      workerDeploymentOptions: {
        useWorkerVersioning: true,
        version: { deploymentName: deps.deployment.name, buildId: deps.deployment.buildId },
        defaultVersioningBehavior: 'PINNED',
      },
    }),
    dataConverter: encryptedDataConverter(deps.payloadCodec),
    activities: createActivities({ db: deps.db, channels: deps.channels }),
    ...deps.tuning,
    // The spans the workflow makes (workflows/trace-propagation.ts); never again on replay.
    sinks: {
      workflowSpans: {
        ended: { fn: (_info, span) => deps.tracing?.exportWorkflowSpan(span), callDuringReplay: false },
      },
    } satisfies InjectedSinks<WorkflowSpanSinks>,
    // The fault recorder sees the original error (its kind only); redaction then strips values
    // before the failure reaches Temporal. Tests may add their own (test/faults).
    interceptors: {
      ...deps.interceptors,
      workflowModules: [...WORKFLOW_INTERCEPTOR_MODULES, ...(deps.interceptors?.workflowModules ?? [])],
      activity: [
        ...(deps.tracing?.enabled
          ? [(ctx: Context) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx) })]
          : []),
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

/** What the daily rounds take from the policy; a policy without `reminders` reminds a day ahead. */
export function roundsSettings(policy: Policy): RoundsSettings {
  return {
    dayLength: policy.dayLength,
    leadTime: policy.reminders?.leadTime ?? policy.dayLength,
    summaryAt: policy.reminders?.summaryAt ?? 0,
    timeZone: policy.reminders?.timeZone ?? DEFAULT_TIME_ZONE,
  };
}

/**
 * The worker's duty besides its task queue (issue 18): the daily rounds, one workflow per task
 * queue with a fixed id. Signal-with-start is idempotent: every worker process may call it at
 * start, the first starts the workflow, each hands it the policy it was started with.
 */
export async function startDailyRounds(client: Client, taskQueue: string, policy: Policy): Promise<void> {
  const settings = roundsSettings(policy);
  await client.workflow.signalWithStart<(input: DailyRoundsInput) => Promise<void>, [RoundsSettings]>(
    'dailyRounds',
    {
      workflowId: dailyRoundsWorkflowId(taskQueue),
      taskQueue,
      args: [{ settings }],
      signal: settingsSignal,
      signalArgs: [settings],
    },
  );
}
