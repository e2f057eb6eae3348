#!/bin/sh
# One-shot (temporalio/admin-tools), before the Temporal server starts: creates Temporal's two
# databases on the first run and upgrades their schemas to this image's version on every run,
# as Temporal's own compose examples do (temporalio/samples-server compose/scripts/setup-postgres.sh).
set -eu
export SQL_PASSWORD="$(cat /run/secrets/temporal_db_password)"
sql() { temporal-sql-tool --plugin postgres12 --ep postgresql -p 5432 -u temporal "$@"; }
until nc -z -w 5 postgresql 5432; do echo 'waiting for PostgreSQL...'; sleep 2; done
for db in temporal temporal_visibility; do
  # Both fail harmlessly when the database and its version table exist already (a restart).
  sql --db "$db" create || true
  sql --db "$db" setup-schema -v 0.0 || true
done
sql --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
sql --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
echo 'Temporal schemas are current'
