#!/usr/bin/env bash
# Enigma's two database roles, made in the postgres container. docker-compose.yml mounts
# this folder as /docker-entrypoint-initdb.d, whose scripts run once, on an empty volume.
#
#   enigma_owner  owns the database, its schema and every table; `manage.py migrate` runs
#                 as it (DATABASE_OWNER_URL, given to the one-shot migrate service only).
#   enigma_app    what web, worker and beat connect as (DATABASE_URL). It owns nothing;
#                 migrate grants it what it needs (enigma/db_roles.py).
#
# Safe to run again. A volume made before the two roles existed needs it once, by hand:
#   docker compose up -d postgres
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/10-enigma-roles.sh
# It then also hands the tables, sequences, views and functions of the public schema to
# enigma_owner (they belonged to the superuser the app used to connect as).
set -euo pipefail
: "${ENIGMA_DB_OWNER_PASSWORD:?set ENIGMA_DB_OWNER_PASSWORD}"
: "${ENIGMA_DB_APP_PASSWORD:?set ENIGMA_DB_APP_PASSWORD}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" \
  --dbname "${POSTGRES_DB:-enigma}" \
  -v owner_password="$ENIGMA_DB_OWNER_PASSWORD" -v app_password="$ENIGMA_DB_APP_PASSWORD" \
  <<'SQL'
SELECT 'CREATE ROLE enigma_owner'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'enigma_owner') \gexec
SELECT 'CREATE ROLE enigma_app'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'enigma_app') \gexec
ALTER ROLE enigma_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS
  PASSWORD :'owner_password';
ALTER ROLE enigma_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS
  PASSWORD :'app_password';
SELECT format('ALTER DATABASE %I OWNER TO enigma_owner', current_database()) \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- Objects made before the roles existed. A sequence that belongs to a column moves with
-- its table (PostgreSQL refuses to move it on its own).
SELECT format(
  'ALTER %s %s OWNER TO enigma_owner',
  CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                 WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
  c.oid::regclass)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
  AND pg_get_userbyid(c.relowner) <> 'enigma_owner'
  AND NOT (c.relkind = 'S' AND EXISTS (
    SELECT FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
ORDER BY c.relkind DESC \gexec
SELECT format('ALTER FUNCTION %s OWNER TO enigma_owner', p.oid::regprocedure)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> 'enigma_owner' \gexec
SQL
