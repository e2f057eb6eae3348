-- Hand-written (issue 19): the audit trail as 16 independent hash chains (shards) with signed
-- checkpoints, in a table partitioned by month. The single chain so far becomes shard 0: its rows
-- keep their hashes and are verified the old way up to `legacy_seq`; new rows in every shard are
-- keyed over (prev hash, content, shard, seq). An append locks only its own shard's head row.

-- 1. The old table and head step aside (their triggers would refuse the move).
DROP TRIGGER "audit_log_advance_head" ON "audit_log";--> statement-breakpoint
DROP TRIGGER "audit_log_append_only" ON "audit_log";--> statement-breakpoint
DROP TRIGGER "audit_log_no_truncate" ON "audit_log";--> statement-breakpoint
DROP FUNCTION "audit_log_advance_head"();--> statement-breakpoint
ALTER TABLE "audit_log" RENAME TO "audit_log_0008";--> statement-breakpoint
ALTER INDEX "audit_log_at" RENAME TO "audit_log_0008_at";--> statement-breakpoint
ALTER INDEX "audit_log_case_ids" RENAME TO "audit_log_0008_case_ids";--> statement-breakpoint
ALTER TABLE "audit_log_0008" RENAME CONSTRAINT "audit_log_pkey" TO "audit_log_0008_pkey";--> statement-breakpoint
ALTER TABLE "audit_head" RENAME TO "audit_head_0008";--> statement-breakpoint
ALTER TABLE "audit_head_0008" RENAME CONSTRAINT "audit_head_pkey" TO "audit_head_0008_pkey";--> statement-breakpoint

-- 2. The partitioned table. The primary key includes the partition column, as PostgreSQL requires;
-- ids still come from the old sequence, so they keep growing across the migration.
CREATE TABLE "audit_log" (
	"id" bigint DEFAULT nextval('audit_log_id_seq') NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor_id" text NOT NULL,
	"actor_username" text NOT NULL,
	"actor_role" text NOT NULL,
	"action" text NOT NULL,
	"case_ids" text[] NOT NULL,
	"case_jurisdictions" text[] NOT NULL,
	"scope" text[] DEFAULT '{}' NOT NULL,
	"route" text NOT NULL,
	"reason" text NOT NULL,
	"request_id" text NOT NULL,
	"shard" integer NOT NULL,
	"seq" bigint NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_log_id_at_pk" PRIMARY KEY("id","at")
) PARTITION BY RANGE ("at");--> statement-breakpoint
ALTER SEQUENCE "audit_log_id_seq" OWNED BY "audit_log"."id";--> statement-breakpoint
CREATE INDEX "audit_log_at" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_case_ids" ON "audit_log" USING gin ("case_ids");--> statement-breakpoint
CREATE INDEX "audit_log_shard_seq" ON "audit_log" USING btree ("shard","seq");--> statement-breakpoint

-- One partition per month from the oldest row to three months ahead, in China Standard Time months
-- and named audit_log_yYYYYmMM, as db/partitions.ts makes them for every partitioned table (it
-- keeps creating them ahead). The default partition only catches a row whose month has no
-- partition yet, so an append never fails for want of one.
DO $$
DECLARE
	m timestamp := date_trunc('month', least(coalesce((SELECT min("at") FROM "audit_log_0008"), now()), now()) AT TIME ZONE 'Asia/Shanghai');
	last timestamp := date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') + interval '3 months';
	name text;
BEGIN
	WHILE m <= last LOOP
		name := format('audit_log_y%sm%s', to_char(m, 'YYYY'), to_char(m, 'MM'));
		EXECUTE format('CREATE TABLE %I PARTITION OF "audit_log" FOR VALUES FROM (%L) TO (%L)',
			name, m AT TIME ZONE 'Asia/Shanghai', (m + interval '1 month') AT TIME ZONE 'Asia/Shanghai');
		EXECUTE format('CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_refuse_change"()', name);
		m := m + interval '1 month';
	END LOOP;
END;
$$;--> statement-breakpoint
CREATE TABLE "audit_log_default" PARTITION OF "audit_log" DEFAULT;--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log_default" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_refuse_change"();--> statement-breakpoint

-- 3. Every row moves, in id order, into shard 0 with its place in the old chain as its seq.
INSERT INTO "audit_log" ("id", "at", "actor_id", "actor_username", "actor_role", "action", "case_ids",
		"case_jurisdictions", "scope", "route", "reason", "request_id", "shard", "seq", "prev_hash", "hash")
	SELECT "id", "at", "actor_id", "actor_username", "actor_role", "action", "case_ids",
		"case_jurisdictions", "scope", "route", "reason", "request_id", 0, row_number() OVER (ORDER BY "id"), "prev_hash", "hash"
	FROM "audit_log_0008";--> statement-breakpoint

-- 4. The heads: 16 shards (the number of chains is this table's rows). Shard 0 takes over the old
-- head and remembers where the old chain ends (legacy_seq) and where its key began (keyed_from).
CREATE TABLE "audit_head" (
	"shard" integer PRIMARY KEY NOT NULL,
	"last_seq" bigint NOT NULL,
	"last_id" bigint NOT NULL,
	"last_at" timestamp with time zone,
	"last_hash" text NOT NULL,
	"keyed_from" bigint DEFAULT 1 NOT NULL,
	"legacy_seq" bigint DEFAULT 0 NOT NULL
);--> statement-breakpoint
-- Each head is rewritten on every append to its shard: room on its page for those versions
-- (updates stay HOT, pruned in place) and few heads per page to contend for it.
ALTER TABLE "audit_head" SET (fillfactor = 10);--> statement-breakpoint
INSERT INTO "audit_head" ("shard", "last_seq", "last_id", "last_at", "last_hash", "keyed_from", "legacy_seq")
	SELECT s, 0, 0, NULL, '0000000000000000000000000000000000000000000000000000000000000000', 1, 0
	FROM generate_series(0, 15) AS s;--> statement-breakpoint
UPDATE "audit_head" SET
		"last_seq" = (SELECT count(*) FROM "audit_log_0008"),
		"legacy_seq" = (SELECT count(*) FROM "audit_log_0008"),
		"last_id" = old."last_id",
		"last_at" = (SELECT "at" FROM "audit_log_0008" WHERE "id" = old."last_id"),
		"last_hash" = old."last_hash",
		"keyed_from" = old."keyed_from"
	FROM "audit_head_0008" AS old
	WHERE "audit_head"."shard" = 0;--> statement-breakpoint
DROP TABLE "audit_log_0008";--> statement-breakpoint
DROP TABLE "audit_head_0008";--> statement-breakpoint
DROP FUNCTION "audit_head_guard"();--> statement-breakpoint

-- 5. The database keeps the trail append-only (row triggers reach every partition, the TRUNCATE
-- trigger is on each partition too) and moves each shard's head: a new row must be its shard's
-- next one, chained to its head. The UPDATE row-locks that one head until the append commits, so
-- appends to other shards never wait; a concurrent append to the same shard finds the head moved
-- and fails with SQLSTATE RA001.
CREATE TRIGGER "audit_log_append_only" BEFORE UPDATE OR DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_refuse_change"();--> statement-breakpoint
CREATE FUNCTION "audit_log_advance_head"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
	UPDATE "audit_head" SET "last_seq" = NEW."seq", "last_id" = NEW."id", "last_at" = NEW."at", "last_hash" = NEW."hash"
		WHERE "shard" = NEW."shard" AND "last_hash" = NEW."prev_hash" AND "last_seq" + 1 = NEW."seq";
	IF NOT FOUND THEN
		RAISE EXCEPTION 'audit_log: a new row must be chained to its shard''s head' USING ERRCODE = 'RA001';
	END IF;
	RETURN NEW;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_advance_head" AFTER INSERT ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_advance_head"();--> statement-breakpoint
-- After such a refusal the application appends again holding that one head (a row lock until its
-- transaction ends), so the retry cannot be refused in turn. SECURITY DEFINER: the application's
-- role has no UPDATE right on audit_head, which SELECT … FOR UPDATE would need.
CREATE FUNCTION "audit_lock_head"("p_shard" integer) RETURNS TABLE ("last_seq" bigint, "last_hash" text)
	LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
	SELECT "last_seq", "last_hash" FROM "audit_head" WHERE "shard" = "p_shard" FOR UPDATE;
$$;--> statement-breakpoint
-- A head is never deleted and moves only one step forward, onto its shard's row chained to it.
CREATE FUNCTION "audit_head_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'audit_head is never deleted';
	END IF;
	IF NEW."shard" <> OLD."shard" OR NEW."keyed_from" <> OLD."keyed_from" OR NEW."legacy_seq" <> OLD."legacy_seq"
		OR NEW."last_seq" <> OLD."last_seq" + 1 THEN
		RAISE EXCEPTION 'audit_head moves only forward, onto the row chained to it';
	END IF;
	-- Moved by audit_log_advance_head (a trigger, depth 2), the row is the one just inserted and
	-- chained to the head by that UPDATE's own condition; moved by hand, it must be shown.
	IF pg_trigger_depth() = 1 AND NOT EXISTS (SELECT 1 FROM "audit_log" WHERE "at" = NEW."last_at" AND "shard" = NEW."shard"
			AND "seq" = NEW."last_seq" AND "id" = NEW."last_id" AND "hash" = NEW."last_hash" AND "prev_hash" = OLD."last_hash") THEN
		RAISE EXCEPTION 'audit_head moves only forward, onto the row chained to it';
	END IF;
	RETURN NEW;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "audit_head_guard" BEFORE UPDATE OR DELETE ON "audit_head" FOR EACH ROW EXECUTE FUNCTION "audit_head_guard"();--> statement-breakpoint
CREATE TRIGGER "audit_head_no_truncate" BEFORE TRUNCATE ON "audit_head" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_refuse_change"();--> statement-breakpoint

-- 6. Checkpoints are append-only as well.
CREATE TABLE "audit_checkpoints" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"heads" jsonb NOT NULL,
	"prev_mac" text NOT NULL,
	"mac" text NOT NULL
);--> statement-breakpoint
CREATE TRIGGER "audit_checkpoints_append_only" BEFORE UPDATE OR DELETE ON "audit_checkpoints" FOR EACH ROW EXECUTE FUNCTION "audit_log_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "audit_checkpoints_no_truncate" BEFORE TRUNCATE ON "audit_checkpoints" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_refuse_change"();
