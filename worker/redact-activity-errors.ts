import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { withoutValues } from '../telemetry/redact';

/** An activity's database error loses the values it quotes before Temporal or a log sees it (R21). */
export class RedactActivityErrors implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
    try {
      return await next(input);
    } catch (error) {
      throw withoutValues(error);
    }
  }
}
