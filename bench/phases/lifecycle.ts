import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historiesOfRuns } from '../../test/helpers/histories';
import { days, lifecycle } from '../../test/helpers/lifecycle';
import { caseWorkflowId } from '../../workflows/case/messages';
import { startTestSystem } from '../../test/helpers/system';
import { bundleWorkflows } from '../../worker/worker';
import { row } from '../lib/report';

// A whole three-year case on the time-skipping test server, walked as the lifecycle test walks
// it (test/lifecycle/whole-case.test.ts): a diligent caseworker does every task as it appears.
// Worker and API in this process, as the tests run them; the wall time is the figure.

export async function wholeCase() {
  const dir = mkdtempSync(join(tmpdir(), 'rehab-bench-lifecycle-'));
  process.env.TEST_WORKFLOW_BUNDLE = join(dir, 'workflow-bundle.js');
  writeFileSync(process.env.TEST_WORKFLOW_BUNDLE, await bundleWorkflows());
  const system = await startTestSystem({ timeSkipping: true });
  try {
    const life = lifecycle(system);
    const started = performance.now();
    const id = await life.startedCase();
    const steps = await life.walk(id, (await life.now()) + days(1100));
    const seconds = (performance.now() - started) / 1000;
    const { phase } = (await life.view(id)).body as { phase: string };
    const events = (await life.timeline(id)).length;
    const runs = (await historiesOfRuns(system.env.client, caseWorkflowId(id))).map((h) => h.events!.length);
    const historyEventsMaxRun = Math.max(...runs);
    row(
      'whole three-year case, time skipped',
      seconds,
      's',
      `${steps} skips, ${events} timeline entries, ends ${phase}`,
    );
    row('historyEventsMaxRun', historyEventsMaxRun, 'events', `runs ${runs.join(' + ')}; goal ≤ 800`);
    return {
      historyEventsMaxRun,
      historyEventsPerRun: runs,
      historyEventsTotal: runs.reduce((a, b) => a + b, 0),
      wallSeconds: Math.round(seconds * 10) / 10,
      skips: steps,
      timelineEntries: events,
      finalPhase: phase,
    };
  } finally {
    await system.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
