-- The timeline partitioned by month of `at` (native range partitioning), docs/operations.md
-- "Partitions, retention and archive". Months are China Standard Time months, the programme's
-- and the monthly report's (db/reports.ts REPORT_TIME_ZONE), so one report month is one partition.
-- Existing rows move without loss: the old table is renamed, the new one created with every
-- month the old rows need (plus the current month and three ahead), the rows copied, the old
-- table dropped, all in the migration's transaction.

-- Creates the partition of `parent` for the month starting at `month` (a CST calendar month),
-- unless one is attached already; rows of that month waiting in `<parent>_default` move into it.
-- SECURITY DEFINER: the application's role (no DDL rights) runs it through db/partitions.ts.
CREATE FUNCTION create_month_partition(parent text, month date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  col text;
  start date := month - (extract(day FROM month)::integer - 1);
  name text := format('%s_y%sm%s', parent, to_char(start, 'YYYY'), to_char(start, 'MM'));
  lo timestamptz := start::timestamp AT TIME ZONE 'Asia/Shanghai';
  hi timestamptz := (start + interval '1 month') AT TIME ZONE 'Asia/Shanghai';
  moved bigint;
  guard text;
  waiting boolean;
BEGIN
  SELECT a.attname INTO col
    FROM pg_partitioned_table p
    JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
   WHERE p.partrelid = to_regclass(parent) AND p.partstrat = 'r' AND p.partnatts = 1;
  IF col IS NULL THEN
    RAISE EXCEPTION 'create_month_partition: % is not range-partitioned on one column', parent;
  END IF;
  IF to_regclass(name) IS NOT NULL THEN
    IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(name) AND inhparent = to_regclass(parent)) THEN
      RETURN false;
    END IF;
    RAISE EXCEPTION 'create_month_partition: % exists but is not attached (an archived month must be renamed first)', name;
  END IF;
  -- An append-only table (the audit trail: a TRUNCATE trigger `<parent>_no_truncate` guards it)
  -- refuses the DELETE that moving rows out of DEFAULT takes; its month stays in DEFAULT, and
  -- the partition it would have had is not made. Its new partitions get the TRUNCATE guard,
  -- which, unlike row triggers, partitions do not inherit.
  SELECT t.tgfoid::regprocedure::text INTO guard FROM pg_trigger t
   WHERE t.tgrelid = to_regclass(parent) AND t.tgname = parent || '_no_truncate';
  IF guard IS NOT NULL THEN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= $1 AND %I < $2)', parent || '_default', col, col)
      INTO waiting USING lo, hi;
    IF waiting THEN
      RAISE NOTICE 'create_month_partition: % has rows of % in its default partition; left there', parent, start;
      RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, parent, lo, hi);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION %s',
      parent || '_no_truncate', name, guard);
    RETURN true;
  END IF;
  EXECUTE format('CREATE TEMP TABLE month_partition_moving (LIKE %I)', parent);
  EXECUTE format(
    'WITH m AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO month_partition_moving SELECT * FROM m',
    parent || '_default', col, col) USING lo, hi;
  GET DIAGNOSTICS moved = ROW_COUNT;
  EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, parent, lo, hi);
  IF moved > 0 THEN
    EXECUTE format('INSERT INTO %I SELECT * FROM month_partition_moving', parent);
  END IF;
  DROP TABLE month_partition_moving;
  RETURN true;
END $$;
--> statement-breakpoint
-- The job (db/partitions.ts ensurePartitions): under a per-table advisory lock held to the end of
-- the caller's transaction, the partitions of the current month and `months_ahead` after it, and
-- of every month with rows in the DEFAULT partition (backdated entries, a job that did not run).
-- Returns how many partitions it created; 0 when all were there (idempotent).
CREATE FUNCTION ensure_monthly_partitions(parent text, months_ahead integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  col text;
  first date := date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai')::date;
  m date;
  created integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('ensure_monthly_partitions'), hashtext(parent));
  SELECT a.attname INTO col
    FROM pg_partitioned_table p
    JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
   WHERE p.partrelid = to_regclass(parent);
  IF col IS NULL THEN
    RAISE EXCEPTION 'ensure_monthly_partitions: % is not partitioned', parent;
  END IF;
  FOR m IN EXECUTE format(
    'SELECT g::date FROM generate_series($1::timestamp, $1::timestamp + make_interval(months => $2), interval ''1 month'') g
     UNION
     SELECT DISTINCT date_trunc(''month'', %I AT TIME ZONE ''Asia/Shanghai'')::date FROM %I
     ORDER BY 1', col, parent || '_default') USING first, months_ahead
  LOOP
    IF create_month_partition(parent, m) THEN
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END $$;
--> statement-breakpoint
ALTER TABLE "timeline" RENAME TO "timeline_unpartitioned";--> statement-breakpoint
ALTER TABLE "timeline_unpartitioned" RENAME CONSTRAINT "timeline_case_id_seq_pk" TO "timeline_unpartitioned_pk";--> statement-breakpoint
ALTER TABLE "timeline_unpartitioned" RENAME CONSTRAINT "timeline_case_id_cases_id_fk" TO "timeline_unpartitioned_case_fk";--> statement-breakpoint
ALTER INDEX "timeline_type" RENAME TO "timeline_unpartitioned_type";--> statement-breakpoint
CREATE TABLE "timeline" (
	"case_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"type" text NOT NULL,
	"actor" text,
	"data" jsonb NOT NULL,
	CONSTRAINT "timeline_case_id_seq_at_pk" PRIMARY KEY("case_id","seq","at")
) PARTITION BY RANGE ("at");
--> statement-breakpoint
ALTER TABLE "timeline" ADD CONSTRAINT "timeline_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "timeline_type" ON "timeline" USING btree ("type","case_id","at");--> statement-breakpoint
CREATE TABLE "timeline_default" PARTITION OF "timeline" DEFAULT;--> statement-breakpoint
SELECT create_month_partition('timeline', m)
  FROM (SELECT DISTINCT date_trunc('month', "at" AT TIME ZONE 'Asia/Shanghai')::date AS m FROM "timeline_unpartitioned") months;--> statement-breakpoint
SELECT ensure_monthly_partitions('timeline', 3);--> statement-breakpoint
INSERT INTO "timeline" ("case_id", "seq", "at", "kind", "type", "actor", "data")
  SELECT "case_id", "seq", "at", "kind", "type", "actor", "data" FROM "timeline_unpartitioned";--> statement-breakpoint
DROP TABLE "timeline_unpartitioned";
