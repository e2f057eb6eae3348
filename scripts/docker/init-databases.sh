#!/bin/sh
# Runs once, on PostgreSQL's first start (empty volume), as the superuser: the role Temporal uses
# (it creates its own two databases), and the application database `rehab` owned by rehab_owner
# (migrations) with rehab_app, the least-privilege role the API and the worker log in as: rows
# only, never the schema. Passwords come from the compose secrets, never from the command line.
set -eu
password_of() { sed -E 's#^postgres(ql)?://[^:]+:([^@]+)@.*#\2#' "/run/secrets/$1"; }
temporal_pw=$(cat /run/secrets/temporal_db_password)
owner_pw=$(password_of rehab_owner_url)
app_pw=$(password_of rehab_app_url)

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE temporal LOGIN CREATEDB PASSWORD '$temporal_pw';
CREATE ROLE rehab_owner LOGIN PASSWORD '$owner_pw';
CREATE ROLE rehab_app LOGIN PASSWORD '$app_pw';
CREATE DATABASE rehab OWNER rehab_owner;
REVOKE ALL ON DATABASE rehab FROM PUBLIC;
GRANT CONNECT ON DATABASE rehab TO rehab_app;
SQL

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname rehab <<SQL
ALTER SCHEMA public OWNER TO rehab_owner;
GRANT USAGE ON SCHEMA public TO rehab_app;
ALTER DEFAULT PRIVILEGES FOR ROLE rehab_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO rehab_app;
ALTER DEFAULT PRIVILEGES FOR ROLE rehab_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO rehab_app;
SQL
