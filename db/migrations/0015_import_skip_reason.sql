-- Why an import row was skipped (api.md v1.2 "Existence is not an oracle"): already_open (an open
-- case within the importer's jurisdictions) or open_case_elsewhere.
ALTER TABLE "import_rows" ADD COLUMN "skip_reason" text;
