CREATE TABLE "cases" (
	"id" uuid PRIMARY KEY NOT NULL,
	"person_name" text NOT NULL,
	"id_number" text NOT NULL,
	"birth_date" text,
	"sex" text,
	"phone" text,
	"residence_address" text NOT NULL,
	"facility_name" text NOT NULL,
	"measure" text NOT NULL,
	"expected_release_at" timestamp with time zone NOT NULL,
	"released_at" timestamp with time zone,
	"jurisdiction" text NOT NULL,
	"phase" text NOT NULL,
	"tier" text NOT NULL,
	"status" text NOT NULL,
	"assignee" text,
	"term_starts_at" timestamp with time zone,
	"term_ends_at" timestamp with time zone,
	"term_paused_days" integer DEFAULT 0 NOT NULL,
	"tests_refused" integer DEFAULT 0 NOT NULL,
	"leaves_without_notice" integer DEFAULT 0 NOT NULL,
	"days_away_without_notice" integer DEFAULT 0 NOT NULL,
	"next_due_at" timestamp with time zone,
	"policy_version" text NOT NULL,
	"note" text,
	"opened_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jurisdictions" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"parent_code" text
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"username" text NOT NULL,
	"display_name" text NOT NULL,
	"role" text NOT NULL,
	"password_hash" text NOT NULL,
	"jurisdictions" text[] NOT NULL,
	"disabled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "cases_open_id_number" ON "cases" USING btree ("id_number") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "cases_jurisdiction" ON "cases" USING btree ("jurisdiction" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "cases_created" ON "cases" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);