CREATE TABLE "notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"recipient" text NOT NULL,
	"reason" text NOT NULL,
	"rule" text NOT NULL,
	"task_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"case_id" uuid NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"role" text NOT NULL,
	"assignee" text,
	"due_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"escalation_level" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"revision" integer NOT NULL,
	CONSTRAINT "tasks_case_id_id_pk" PRIMARY KEY("case_id","id")
);
--> statement-breakpoint
CREATE TABLE "timeline" (
	"case_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"type" text NOT NULL,
	"actor" text,
	"data" jsonb NOT NULL,
	CONSTRAINT "timeline_case_id_seq_pk" PRIMARY KEY("case_id","seq")
);
--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "transfer_to" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "revision" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timeline" ADD CONSTRAINT "timeline_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "notifications_case" ON "notifications" USING btree ("case_id","created_at");--> statement-breakpoint
CREATE INDEX "tasks_inbox" ON "tasks" USING btree ("status","role","due_at");--> statement-breakpoint
CREATE INDEX "cases_transfer_to" ON "cases" USING btree ("transfer_to" text_pattern_ops);