import { workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

// Worker Versioning (workflows/README.md, "Versioning path"). A versioned worker (config
// TEMPORAL_DEPLOYMENT_NAME + TEMPORAL_BUILD_ID) pins each run to the build it started on, so a
// new build never meets a history it did not write and needs no patched(). A run moves to the
// deployment's current build only at continue-as-new, and only when the new run asks for it:
// this interceptor makes every continue-as-new of the engine start its new run that way
// (AUTO_UPGRADE for its first task; pinned again from then on). An unversioned worker's runs
// carry the flag and the server ignores it.

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      continueAsNew(input, next) {
        return next({ ...input, options: { ...input.options, initialVersioningBehavior: 'AUTO_UPGRADE' } });
      },
    },
  ],
});

/**
 * True once the deployment's current build is no longer the one this run is pinned to: the
 * case's loop then continues as new at its next quiet point (after its handlers finish), which
 * moves it to the new build instead of waiting for its own cadence.
 */
export function newBuildIsCurrent(): boolean {
  return workflowInfo().targetWorkerDeploymentVersionChanged;
}
