import { DrizzleQueryError } from 'drizzle-orm';
import { redactError, withoutValues } from '../../telemetry/redact';

describe('R21: database errors lose the values they quote before a log or Temporal sees them', () => {
  const pgError = Object.assign(
    new Error('duplicate key value violates unique constraint "cases_open_id_number"'),
    {
      code: '23505',
      constraint: 'cases_open_id_number',
      detail: 'Key (id_number)=(32050819880315001X) already exists.',
    },
  );
  const error = new DrizzleQueryError(
    'insert into "cases" ("person_name", "id_number") values ($1, $2)',
    ['王某某', '32050819880315001X'],
    pgError,
  );

  it('keeps the query, the code and the constraint, drops the parameters and the detail', () => {
    const redacted = redactError(error);
    const text = JSON.stringify(redacted);
    expect(text).not.toContain('王某某');
    expect(text).not.toContain('32050819880315001X');
    expect(redacted.message).toBe(
      'Failed query: insert into "cases" ("person_name", "id_number") values ($1, $2)\nparams: [redacted]',
    );
    expect(redacted.cause).toMatchObject({ code: '23505', constraint: 'cases_open_id_number' });
  });

  it('rethrows an error with values as a clean one, and any other error as it is', () => {
    const clean = withoutValues(error) as Error;
    expect(clean.message).toMatch(/params: \[redacted\]$/);
    expect(JSON.stringify({ message: clean.message, stack: clean.stack })).not.toContain('王某某');
    const other = new Error('connection refused');
    expect(withoutValues(other)).toBe(other);
  });
});
