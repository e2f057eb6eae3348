CREATE TABLE "caseworker_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"kind" text NOT NULL,
	"case_id" uuid,
	"task_id" text,
	"task_kind" text,
	"rule" text,
	"due_at" timestamp with time zone,
	"period_start" timestamp with time zone,
	"period_end" timestamp with time zone,
	"counts" jsonb,
	"items" jsonb,
	"created_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "caseworker_messages" ADD CONSTRAINT "caseworker_messages_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "caseworker_messages_user" ON "caseworker_messages" USING btree ("username","kind","created_at");--> statement-breakpoint
CREATE INDEX "caseworker_messages_pending" ON "caseworker_messages" USING btree ("created_at") WHERE status = 'pending';