import { sql, type SQL } from 'drizzle-orm';

/**
 * All these functions need of a database: raw statements. Not db/client.ts's `Db`, which would
 * make a circle (client.ts makes the partitions when it migrates); any `Db` is one.
 */
export interface Executor {
  execute(query: SQL): PromiseLike<unknown>;
}

/** Rows of a raw statement: node-postgres and PGlite both answer `{ rows }`. */
async function rowsOf<T>(db: Executor, query: SQL): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

/**
 * The tables partitioned by month (migration 0010; docs/operations.md "Partitions, retention and
 * archive"). Each is range-partitioned on one timestamp column by China Standard Time month, with
 * partitions named `<table>_yYYYYmMM` and a `<table>_default` partition for rows no month holds.
 */
export const PARTITIONED_TABLES = ['timeline', 'audit_log'] as const;

export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

/** How many months after the current one always exist: three missed monthly runs lose nothing. */
export const MONTHS_AHEAD = 3;

/** How often the worker runs the job (worker/main.ts); it is idempotent, so a daily run costs nothing. */
export const PARTITION_JOB_INTERVAL_MS = 24 * 60 * 60 * 1000;

/**
 * Creates the partitions of the current month and `monthsAhead` after it for each table, and the
 * partition of every month that has rows waiting in the DEFAULT partition (backdated entries, or
 * a job that did not run), moving those rows into it — except for the append-only audit trail,
 * whose rows cannot be deleted from DEFAULT: its months are made ahead, and a month already in
 * DEFAULT stays there (the database refuses to move them). Idempotent; concurrent runs queue on an
 * advisory lock per table (taken by the database function `ensure_monthly_partitions`, which
 * runs as the schema's owner so that the application's role needs no DDL rights).
 * Returns the number of partitions created per table.
 */
export async function ensurePartitions(
  db: Executor,
  options: { tables?: readonly PartitionedTable[]; monthsAhead?: number } = {},
): Promise<Record<string, number>> {
  const created: Record<string, number> = {};
  for (const table of options.tables ?? PARTITIONED_TABLES) {
    const [row] = await rowsOf<{ n: number }>(
      db,
      sql`select ensure_monthly_partitions(${table}, ${options.monthsAhead ?? MONTHS_AHEAD}) as n`,
    );
    created[table] = Number(row?.n ?? 0);
  }
  return created;
}

export interface PartitionInfo {
  table: string;
  partition: string;
  /** The partition's bounds as PostgreSQL prints them (`FOR VALUES FROM (…) TO (…)` or `DEFAULT`). */
  bounds: string;
}

/** The partitions attached to each partitioned table, oldest first, DEFAULT last. */
export async function listPartitions(
  db: Executor,
  tables: readonly string[] = PARTITIONED_TABLES,
): Promise<PartitionInfo[]> {
  const rows = await rowsOf<PartitionInfo>(
    db,
    sql`
    select parent.relname as "table", child.relname as "partition",
           pg_get_expr(child.relpartbound, child.oid) as bounds
      from pg_inherits i
      join pg_class parent on parent.oid = i.inhparent
      join pg_class child on child.oid = i.inhrelid
     where parent.relname in ${tables} and parent.relkind = 'p'
     order by parent.relname, child.relname = parent.relname || '_default', child.relname`,
  );
  return rows;
}

/**
 * Runs `ensurePartitions` now and then every `intervalMs` (the worker, at start and daily: see
 * docs/operations.md). A failed run is reported and retried at the next tick; rows of a month
 * without its partition wait in DEFAULT meanwhile, so nothing is lost. Returns the stop function.
 */
export function startPartitionJob(
  db: Executor,
  report: (line: string) => void,
  intervalMs: number = PARTITION_JOB_INTERVAL_MS,
): () => void {
  const run = () =>
    ensurePartitions(db).then(
      (created) => {
        const made = Object.entries(created).filter(([, n]) => n > 0);
        if (made.length) report(`partitions: created ${made.map(([t, n]) => `${n} of ${t}`).join(', ')}`);
      },
      // The SQLSTATE only: a message could quote a row.
      (error: unknown) => report(`partitions: job failed (${(error as { code?: string }).code ?? 'error'})`),
    );
  void run();
  const timer = setInterval(() => void run(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
