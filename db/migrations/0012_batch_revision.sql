-- Each timeline entry and notification names the workflow batch (revision) that wrote it, so a
-- batch written by a workflow task that never completed (a worker killed after its local write)
-- can be replaced by the one the history kept (db/case-sync.ts). Existing rows stay null.
ALTER TABLE "notifications" ADD COLUMN "revision" integer;--> statement-breakpoint
ALTER TABLE "timeline" ADD COLUMN "revision" integer;