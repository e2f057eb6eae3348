ALTER TABLE "cases" ALTER COLUMN "facility_name" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ALTER COLUMN "expected_release_at" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "registered_address" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "origin" text DEFAULT 'facility' NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "decision_authority" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "decided_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "decision_document_no" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "delegated_to" text;--> statement-breakpoint
CREATE INDEX "cases_delegated_to" ON "cases" USING btree ("delegated_to" text_pattern_ops);