// The arithmetic of docs/scale.md: from what bench/province.ts measured per case-year to what a
// province (60,000 active persons) and the country (487,000, domain.md) need. Every assumption
// is a named constant here and printed with the figures.

export interface Measured {
  cases: number;
  days: number;
  caseYears: number;
  runs: number;
  /** Temporal actions by kind, over all runs. */
  actions: Record<string, number>;
  historyEvents: number;
  historyBytes: number;
  /** Read-model rows of the run's cases (audit_log: the whole trail of the run). */
  rows: Record<string, number>;
  /** Average row size of each table (pg_column_size of the row), bytes. */
  rowBytes: Record<string, number>;
  /** CPU of the process that ran the worker, the API and the driver. */
  cpuSeconds: number;
}

const YEAR_S = 365 * 86_400;
/** Caseworkers record in office hours (about 45 of the 168 hours of a week); timers fire around the clock. */
export const PEAK_FACTOR = 168 / 45;
/** And the first working days of a month (reports, monthly reviews) run busier than the average: design for twice. */
export const BURST_FACTOR = 2;
/** Years a case's rows stay online: the three-year term plus two (docs/operations.md, R21); older months are archived. */
export const ONLINE_YEARS = 5;
/** Temporal keeps a history while the case runs (three years) plus the namespace retention after it closes. */
export const HISTORY_YEARS = 3 + 30 / 365;
/** Persistence per history byte: mutable state, visibility, tasks and indexes beside the history itself. */
export const PERSISTENCE_OVERHEAD = 2;
/** Bytes on disk per byte of row: tuple headers, free space, the indexes, TOAST. */
export const STORAGE_OVERHEAD = 2.5;
/** PostgreSQL writes per row written (heap, one or two indexes, WAL flush): a coarse IOPS multiplier. */
export const IO_PER_ROW = 3;
/** What one worker process is given: one core; run at most half busy at peak. */
export const WORKER_CORE_BUDGET = 0.5;
/** Workflows per history shard that Temporal's guidance treats as comfortable (tens of thousands per shard is the outer bound). */
export const WORKFLOWS_PER_SHARD = 500;

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const gib = (bytes: number) => `${round(bytes / 2 ** 30)} GiB`;
const pow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

export function scaleOut(m: Measured) {
  const per = (n: number) => round(n / m.caseYears);
  const totalActions = Object.values(m.actions).reduce((a, b) => a + b, 0);
  const rowsPerCaseYear = Object.values(m.rows).reduce((a, b) => a + b, 0) / m.caseYears;
  // Bytes a case-year adds on disk: each table's rows times its average row, times the overhead.
  const bytesPerCaseYear =
    (Object.entries(m.rows).reduce((sum, [t, n]) => sum + n * (m.rowBytes[t] ?? 0), 0) / m.caseYears) *
    STORAGE_OVERHEAD;
  const perCaseYear: Record<string, number> = {
    'Temporal actions (all kinds)': per(totalActions),
    ...Object.fromEntries(Object.entries(m.actions).map(([k, v]) => [`  ${k}`, per(v)])),
    'history events': per(m.historyEvents),
    'history bytes': per(m.historyBytes),
    ...Object.fromEntries(Object.entries(m.rows).map(([k, v]) => [`${k} rows`, per(v)])),
    'CPU seconds (worker + API, one process)': round(m.cpuSeconds / m.caseYears, 2),
  };
  const targets = [60_000, 487_000].map((persons) => {
    const actionsPerSecond = (persons * totalActions) / m.caseYears / YEAR_S;
    const peak = actionsPerSecond * PEAK_FACTOR * BURST_FACTOR;
    const historyBytes = (persons * m.historyBytes * HISTORY_YEARS) / m.caseYears;
    const cpuPerAction = m.cpuSeconds / Math.max(1, totalActions);
    const workers = Math.max(2, Math.ceil((peak * cpuPerAction) / WORKER_CORE_BUDGET));
    const rowsPerSecond = (persons * rowsPerCaseYear) / YEAR_S;
    const figures: Record<string, string> = {
      'Temporal actions/s, average': `${round(actionsPerSecond, 2)}`,
      [`Temporal actions/s, peak (× ${round(PEAK_FACTOR, 2)} office hours × ${BURST_FACTOR} burst)`]: `${round(peak, 1)}`,
      'history shards (power of two, ≥ 512)': `${Math.max(512, pow2(persons / WORKFLOWS_PER_SHARD))}`,
      [`Temporal persistence (histories × ${PERSISTENCE_OVERHEAD})`]: gib(
        historyBytes * PERSISTENCE_OVERHEAD,
      ),
      'worker processes (1 core each, ≤ half busy at peak, ≥ 2)': `${workers}`,
      'read-model rows per year': `${Math.round(persons * rowsPerCaseYear).toLocaleString('en-US')}`,
      [`PostgreSQL size online (${ONLINE_YEARS} years, × ${STORAGE_OVERHEAD} on disk)`]: gib(
        persons * bytesPerCaseYear * ONLINE_YEARS,
      ),
      'PostgreSQL write IOPS, peak': `${round(rowsPerSecond * PEAK_FACTOR * BURST_FACTOR * IO_PER_ROW, 1)}`,
    };
    return { persons, figures };
  });
  return {
    perCaseYear,
    targets,
    assumptions: {
      PEAK_FACTOR,
      BURST_FACTOR,
      ONLINE_YEARS,
      HISTORY_YEARS,
      PERSISTENCE_OVERHEAD,
      IO_PER_ROW,
      STORAGE_OVERHEAD,
      WORKER_CORE_BUDGET,
      WORKFLOWS_PER_SHARD,
    },
  };
}
