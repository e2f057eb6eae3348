import { proxySinks, type Sinks, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

// Workflow code, bundled only for the replay gate (test/helpers/activity-inputs.ts): reports the
// input of every activity and local activity the workflow schedules, replay included, so the
// gate can compare what a replay would write with what the recorded run wrote. Last of the
// interceptors: it sees the input as it goes to Temporal.

export interface ScheduledActivity {
  type: string;
  local: boolean;
  args: unknown[];
}

export interface ActivityInputSinks extends Sinks {
  activityInputs: { scheduled(activity: ScheduledActivity): void };
}

const { activityInputs } = proxySinks<ActivityInputSinks>();

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      scheduleActivity(input, next) {
        activityInputs.scheduled({ type: input.activityType, local: false, args: input.args });
        return next(input);
      },
      scheduleLocalActivity(input, next) {
        activityInputs.scheduled({ type: input.activityType, local: true, args: input.args });
        return next(input);
      },
    },
  ],
});
