-- The planner's statistics after a bulk load (db/imports.ts analyzeReadModel). The application's
-- role may not ANALYZE tables it does not own, so the owner's function does it, for the tables
-- the inbox, the stalled view and the KPIs read.
CREATE OR REPLACE FUNCTION analyze_read_model() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  ANALYZE cases, tasks, notifications, timeline;
END;
$$;
