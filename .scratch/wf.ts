import { condition, makeContinueAsNewFunc, defineQuery, setHandler, workflowInfo, defineSignal } from '@temporalio/workflow';
export const infoQuery = defineQuery<{ build?: string; changed: boolean; run: string; n: number }>('info');
export const poke = defineSignal('poke');
export async function vwf(n: number): Promise<string> {
  let pokes = 0;
  setHandler(infoQuery, () => ({ build: workflowInfo().currentDeploymentVersion?.buildId, changed: workflowInfo().targetWorkerDeploymentVersionChanged, run: workflowInfo().runId, n }));
  setHandler(poke, () => { pokes++; });
  for (;;) {
    const seen = pokes;
    await condition(() => pokes !== seen);
    if (true) {
      return makeContinueAsNewFunc<typeof vwf>({})(n + 1);
    }
  }
}
