#!/usr/bin/env bash
# superset-init (docker-compose.yml): prepares Superset, then exits. Idempotent; every step runs
# on each `docker compose up`:
#   1. migrates Superset's metadata database (superset-db);
#   2. creates the admin user from .env (first run only: a later password change in .env does
#      not reach it; change it in the UI, or `superset fab reset-password`);
#   3. creates Superset's roles and permissions;
#   4. imports the starter dashboard from the YAML files in assets/ (zipped here, so the repo
#      keeps reviewable YAML): the database `hub warehouse`, its datasets, charts, dashboard.
#      Objects that already exist are kept (Superset's import only replaces the dashboard);
#   5. gives `hub warehouse` the reader login's URL with its password (WAREHOUSE_BI_URL). An
#      export never carries a password, so the asset names the login without one; Superset
#      stores the password encrypted with SUPERSET_SECRET_KEY, and the web server never sees it.
set -euo pipefail

: "${SUPERSET_ADMIN_USERNAME:?}" "${SUPERSET_ADMIN_PASSWORD:?}" "${WAREHOUSE_BI_URL:?}"
assets="${SUPERSET_ASSETS_DIR:-/app/docker/hub/assets}"
database_name="hub warehouse"

superset db upgrade

superset fab create-admin \
    --username "${SUPERSET_ADMIN_USERNAME}" \
    --firstname Superset \
    --lastname Admin \
    --email "${SUPERSET_ADMIN_USERNAME}@localhost" \
    --password "${SUPERSET_ADMIN_PASSWORD}"

superset init

bundle_dir="$(mktemp -d)"
trap 'rm -rf "${bundle_dir}"' EXIT
# The bundle's layout is the export's: one root folder holding metadata.yaml, databases/,
# datasets/, charts/ and dashboards/.
python -m zipfile -c "${bundle_dir}/hub_starter.zip" "${assets}"
superset import-dashboards --path "${bundle_dir}/hub_starter.zip" \
    --username "${SUPERSET_ADMIN_USERNAME}"

superset set-database-uri --database_name "${database_name}" --uri "${WAREHOUSE_BI_URL}" \
    --skip_create

echo "superset-init: done; the starter dashboard is at /superset/dashboard/hub-starter/"
