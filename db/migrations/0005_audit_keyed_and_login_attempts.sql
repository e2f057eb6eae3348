CREATE TABLE "login_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_tag" text NOT NULL,
	"address" text NOT NULL,
	"ok" boolean NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_head" ADD COLUMN "keyed_from" bigint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "scope" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
CREATE INDEX "login_attempts_user" ON "login_attempts" USING btree ("user_tag","at");--> statement-breakpoint
CREATE INDEX "login_attempts_address" ON "login_attempts" USING btree ("address","at");--> statement-breakpoint
-- Hand-added. The chain is HMAC-keyed from here on; rows already there keep their plain sha256.
INSERT INTO "audit_head" ("id", "last_id", "last_hash", "keyed_from")
	VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 1)
	ON CONFLICT ("id") DO UPDATE SET "keyed_from" = "audit_head"."last_id" + 1;--> statement-breakpoint
ALTER TABLE "audit_head" ADD CONSTRAINT "audit_head_one_row" CHECK ("id" = 1);--> statement-breakpoint
-- The head is moved by the database, not by the application: each new row must be chained to it,
-- and moves it. SECURITY DEFINER: the application's role needs no right on audit_head but SELECT.
CREATE FUNCTION "audit_log_advance_head"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
	UPDATE "audit_head" SET "last_id" = NEW."id", "last_hash" = NEW."hash"
		WHERE "id" = 1 AND "last_hash" = NEW."prev_hash" AND "last_id" < NEW."id";
	IF NOT FOUND THEN
		RAISE EXCEPTION 'audit_log: a new row must be chained to the head';
	END IF;
	RETURN NEW;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_advance_head" AFTER INSERT ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_advance_head"();--> statement-breakpoint
-- Protected like the rows: never deleted, and moved only forward onto the row chained to it.
CREATE FUNCTION "audit_head_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'audit_head is never deleted';
	END IF;
	IF NEW."id" <> OLD."id" OR NEW."keyed_from" <> OLD."keyed_from"
		OR NEW."last_id" <= OLD."last_id"
		OR NOT EXISTS (SELECT 1 FROM "audit_log" WHERE "id" = NEW."last_id" AND "hash" = NEW."last_hash" AND "prev_hash" = OLD."last_hash") THEN
		RAISE EXCEPTION 'audit_head moves only forward, onto the row chained to it';
	END IF;
	RETURN NEW;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "audit_head_guard" BEFORE UPDATE OR DELETE ON "audit_head" FOR EACH ROW EXECUTE FUNCTION "audit_head_guard"();--> statement-breakpoint
CREATE TRIGGER "audit_head_no_truncate" BEFORE TRUNCATE ON "audit_head" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_refuse_change"();
