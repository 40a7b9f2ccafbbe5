#!/usr/bin/env bash
# Create a role and a database per HourBank service (development only: password = name).
# Run once by the postgres image's entrypoint (/docker-entrypoint-initdb.d), in
# docker-compose.yml and in the dev overlay's PostgreSQL.
set -euo pipefail
for name in ${HOURBANK_DATABASES:?the databases to create, e.g. "requests escrow"}; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE "$name" LOGIN PASSWORD '$name';
CREATE DATABASE "$name" OWNER "$name";
SQL
done
