CREATE TABLE "engine_faults" (
	"case_id" uuid NOT NULL,
	"activity" text NOT NULL,
	"attempts" integer NOT NULL,
	"error" text NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "engine_faults_case_id_activity_pk" PRIMARY KEY("case_id","activity")
);
--> statement-breakpoint
CREATE INDEX "tasks_open_due" ON "tasks" USING btree ("due_at") WHERE status in ('open', 'overdue');--> statement-breakpoint
CREATE INDEX "timeline_type" ON "timeline" USING btree ("type","case_id","at");