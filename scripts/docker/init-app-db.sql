-- Run once by the postgres image on its first start (empty data volume), as the `temporal` superuser.
-- Temporal's own databases (temporal, temporal_visibility) are created by temporalio/auto-setup.
CREATE DATABASE rehab;
