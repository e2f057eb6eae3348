ALTER TABLE "cases" ADD COLUMN "first_home_visit_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "first_positive_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "cases_released" ON "cases" USING btree ("released_at");--> statement-breakpoint
CREATE INDEX "tasks_open_contact" ON "tasks" USING btree ("case_id","due_at") WHERE kind = 'contact' and status in ('open', 'overdue');--> statement-breakpoint
CREATE INDEX "tasks_kind_due" ON "tasks" USING btree ("kind","due_at","status");