// Errors from the database quote what was sent: Drizzle's message ends with the query's
// parameters, PostgreSQL's `detail` names the conflicting key's value. Both may be personal
// data (R21), so errors leaving for logs or Temporal carry neither.

const PARAMS = /\nparams: [\s\S]*$/;

export interface RedactedError {
  type: string;
  code?: string;
  constraint?: string;
  message: string;
  stack?: string;
  cause?: RedactedError;
}

export function redactError(error: unknown, depth = 0): RedactedError {
  if (!(error instanceof Error)) return { type: typeof error, message: 'a non-error value was thrown' };
  const e = error as Error & { code?: unknown; constraint?: unknown };
  const message = e.message.replace(PARAMS, '\nparams: [redacted]');
  return {
    type: e.name,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.constraint === 'string' ? { constraint: e.constraint } : {}),
    message,
    ...(e.stack ? { stack: e.stack.replace(e.message, message) } : {}),
    ...(e.cause !== undefined && depth < 5 ? { cause: redactError(e.cause, depth + 1) } : {}),
  };
}

/** The same error without its quoted values, for throwing on (an activity's failure). */
export function withoutValues(error: unknown): unknown {
  if (!(error instanceof Error) || !PARAMS.test(error.message)) return error;
  const redacted = redactError(error);
  const clean = new Error(redacted.message);
  clean.name = redacted.type;
  if (redacted.stack) clean.stack = redacted.stack;
  return clean;
}
