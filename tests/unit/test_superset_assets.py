"""The Superset starter dashboard's files (docker/superset/assets) import as Superset reads them.

Superset is not installed here (it would not share a virtual environment with the hub), so this
checks the bundle the way Superset's importer does (`superset import-dashboards`: the export
format, version 1.0.0), from what its marshmallow schemas require: ImportV1DatabaseSchema,
ImportV1DatasetSchema, ImportV1ChartSchema, ImportV1DashboardSchema (apache/superset, 6.x) — every
required field present, no field the schemas do not know (marshmallow refuses unknown fields),
every UUID reference closed (the importer follows dashboard → charts → datasets → database by
UUID, and imports only what a dashboard reaches). And against the warehouse: every dataset is a
view that sql/shared creates, each dataset column is named in that view's file, and every column
and metric a chart uses is one of its dataset's. tests/integration/test_superset_warehouse.py runs
the charts' queries on a real warehouse, as a hub_reader login.
"""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SUPERSET_DIR = REPO_ROOT / "docker" / "superset"
ASSETS = SUPERSET_DIR / "assets"
INIT_SCRIPT = SUPERSET_DIR / "superset-init.sh"
SHARED_SQL = REPO_ROOT / "sql" / "shared"
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"

IMPORT_VERSION = "1.0.0"

# What each ImportV1*Schema requires, and every field it knows (anything else is refused).
REQUIRED = {
    # import_database() also pops allow_csv_upload and reads extra: both must be there.
    "databases": {
        "database_name",
        "sqlalchemy_uri",
        "uuid",
        "version",
        "allow_csv_upload",
        "extra",
    },
    "datasets": {"table_name", "uuid", "version", "database_uuid"},
    "charts": {"slice_name", "viz_type", "uuid", "version", "dataset_uuid"},
    "dashboards": {"dashboard_title", "uuid", "version"},
}
KNOWN = {
    "databases": {
        "database_name", "sqlalchemy_uri", "password", "cache_timeout", "expose_in_sqllab",
        "allow_run_async", "allow_ctas", "allow_cvas", "allow_dml", "allow_csv_upload", "extra",
        "uuid", "version", "is_managed_externally", "external_url", "ssh_tunnel",
    },
    "datasets": {
        "table_name", "main_dttm_col", "description", "default_endpoint", "offset",
        "cache_timeout", "schema", "catalog", "sql", "params", "template_params",
        "filter_select_enabled", "fetch_values_predicate", "extra", "uuid", "columns", "metrics",
        "version", "database_uuid", "data", "is_managed_externally", "external_url",
        "normalize_columns", "always_filter_main_dttm",
    },
    "charts": {
        "slice_name", "description", "certified_by", "certification_details", "viz_type",
        "params", "query_context", "cache_timeout", "uuid", "version", "dataset_uuid",
        "is_managed_externally", "external_url",
    },
    "dashboards": {
        "dashboard_title", "description", "css", "slug", "uuid", "position", "metadata",
        "version", "is_managed_externally", "external_url", "certified_by",
        "certification_details", "published",
    },
}  # fmt: skip
KNOWN_DATABASE_EXTRA = {
    "metadata_params", "engine_params", "metadata_cache_timeout",
    "schemas_allowed_for_csv_upload", "cost_estimate_enabled", "allows_virtual_table_explore",
    "cancel_query_on_windows_unload", "disable_data_preview", "disable_drill_to_detail",
    "allow_multi_catalog", "version",
}  # fmt: skip
COLUMN_FIELDS = {
    "column_name", "extra", "verbose_name", "is_dttm", "is_active", "type",
    "advanced_data_type", "groupby", "filterable", "expression", "description",
    "python_date_format", "uuid",
}  # fmt: skip
METRIC_FIELDS = {
    "metric_name", "verbose_name", "metric_type", "expression", "description", "d3format",
    "currency", "extra", "warning_text", "uuid",
}  # fmt: skip

#: The chart types used, each a plugin Superset 6 ships.
VIZ_TYPES = {"table", "echarts_timeseries_bar", "pivot_table_v2", "big_number_total"}
#: Chart params that name dataset columns (one, or a list) and dataset metrics.
COLUMN_PARAMS = ("x_axis", "groupby", "all_columns", "groupbyRows", "groupbyColumns")
METRIC_PARAMS = ("metrics", "metric")
#: A SQL identifier in a metric expression, and the words that are not columns.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SQL_WORDS = {"sum", "count", "avg", "min", "max", "distinct", "nullif", "coalesce"}


def load_assets() -> dict[str, list[tuple[Path, dict]]]:
    """Every YAML file of the bundle by kind (its top folder), as the importer reads them."""
    kinds: dict[str, list[tuple[Path, dict]]] = {}
    for path in sorted(ASSETS.rglob("*")):
        if path.is_dir():
            continue
        assert path.suffix == ".yaml", f"{path}: the importer reads .yaml files only"
        relative = path.relative_to(ASSETS)
        kind = relative.parts[0] if len(relative.parts) > 1 else relative.stem
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(config, dict), path
        kinds.setdefault(kind, []).append((relative, config))
    return kinds


def by_uuid(kind: str) -> dict[str, dict]:
    return {str(config["uuid"]): config for _path, config in load_assets()[kind]}


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def chart_columns(params: dict) -> set[str]:
    """Every dataset column a chart's params name (groupings, raw columns, filters, order)."""
    columns: set[str] = set()
    for key in COLUMN_PARAMS:
        columns |= {c for c in _as_list(params.get(key)) if isinstance(c, str)}
    for flt in params.get("adhoc_filters") or []:
        assert flt["expressionType"] == "SIMPLE", "write filters on columns, not SQL"
        columns.add(flt["subject"])
    for order in params.get("order_by_cols") or []:
        columns.add(json.loads(order)[0])
    return columns


def chart_metrics(params: dict) -> list[str]:
    metrics = [m for key in METRIC_PARAMS for m in _as_list(params.get(key))]
    assert all(isinstance(m, str) for m in metrics), "charts use the datasets' saved metrics"
    return metrics


def metric_columns(expression: str) -> set[str]:
    """The columns a saved metric's SQL expression reads (COUNT(*) reads none)."""
    return {w for w in _IDENTIFIER.findall(expression) if w.lower() not in _SQL_WORDS}


def chart_query(chart: dict, dataset: dict) -> str:
    """A SQL query reading what the chart reads: its groupings, its metrics, its filters (the
    values are literals in the YAML; a temporal filter of "No filter" filters nothing)."""
    params = chart["params"]
    metrics = {m["metric_name"]: m["expression"] for m in dataset["metrics"]}
    groups = [c for key in COLUMN_PARAMS if key != "all_columns" for c in _as_list(params.get(key))]
    where = [
        f"{f['subject']} = '{f['comparator']}'"
        for f in params.get("adhoc_filters") or []
        if f["operator"] == "=="
    ]
    relation = f"{dataset['schema']}.{dataset['table_name']}"
    if params.get("query_mode") == "raw":
        select = list(params["all_columns"])
        group_by = ""
    else:
        select = groups + [f"{metrics[m]} as {m}" for m in chart_metrics(params)]
        group_by = f" group by {', '.join(groups)}" if groups else ""
    where_sql = f" where {' and '.join(where)}" if where else ""
    return f"select {', '.join(select)} from {relation}{where_sql}{group_by} limit 5"


def shared_view_files() -> dict[str, Path]:
    """shared.<name> → the sql/shared file that creates it (view or table)."""
    created = {}
    pattern = re.compile(
        r"create\s+(?:or\s+replace\s+)?(?:materialized\s+)?(?:view|table)\s+shared\.(\w+)",
        re.IGNORECASE,
    )
    for path in sorted(SHARED_SQL.glob("*.sql")):
        for name in pattern.findall(path.read_text(encoding="utf-8")):
            created.setdefault(name, path)
    return created


# ------------------------------------------------------------------ the bundle as files


def test_bundle_has_every_kind_and_a_version_1_header():
    kinds = load_assets()
    assert set(kinds) == {"metadata", "databases", "datasets", "charts", "dashboards"}
    ((_path, metadata),) = kinds["metadata"]
    assert metadata["version"] == IMPORT_VERSION
    assert metadata["type"] == "Dashboard"
    # Datasets sit under their database's folder, as an export writes them.
    (database,) = [config for _path, config in kinds["databases"]]
    for path, _config in kinds["datasets"]:
        assert path.parts[1] == database["database_name"].replace(" ", "_"), path


@pytest.mark.parametrize("kind", ["databases", "datasets", "charts", "dashboards"])
def test_required_fields_and_no_unknown_ones(kind):
    for path, config in load_assets()[kind]:
        assert REQUIRED[kind] <= set(config), (path, REQUIRED[kind] - set(config))
        assert set(config) <= KNOWN[kind], (path, set(config) - KNOWN[kind])
        assert config["version"] == IMPORT_VERSION, path
        uuid.UUID(str(config["uuid"]))


def test_uuids_are_unique_across_the_bundle():
    seen = [
        str(config["uuid"])
        for kind in ("databases", "datasets", "charts", "dashboards")
        for _path, config in load_assets()[kind]
    ]
    assert len(seen) == len(set(seen))


def test_uuid_references_close():
    databases, datasets, charts = by_uuid("databases"), by_uuid("datasets"), by_uuid("charts")
    for config in datasets.values():
        assert str(config["database_uuid"]) in databases, config["table_name"]
    for config in charts.values():
        assert str(config["dataset_uuid"]) in datasets, config["slice_name"]
    placed = set()
    for _path, dashboard in load_assets()["dashboards"]:
        for item in dashboard["position"].values():
            if isinstance(item, dict) and item.get("type") == "CHART":
                assert str(item["meta"]["uuid"]) in charts, item["id"]
                placed.add(str(item["meta"]["uuid"]))
    # The importer brings in only the charts a dashboard places (and what they reach).
    assert placed == set(charts)
    reached = {str(charts[c]["dataset_uuid"]) for c in placed}
    assert reached == set(datasets)


def test_dashboard_layout_is_a_tree_of_rows_of_charts():
    for path, dashboard in load_assets()["dashboards"]:
        position = dashboard["position"]
        assert position["DASHBOARD_VERSION_KEY"] == "v2"
        assert position["ROOT_ID"]["children"] == ["GRID_ID"]
        for node_id, node in position.items():
            if not isinstance(node, dict):
                continue
            assert node["id"] == node_id, path
            for child in node.get("children", []):
                assert child in position, (path, node_id, child)
                assert position[child]["parents"][-1] == node_id, (path, child)
            if node["type"] == "ROW":
                widths = [position[c]["meta"]["width"] for c in node["children"]]
                assert sum(widths) <= 12, (path, node_id, widths)
            if node["type"] == "CHART":
                assert node["meta"]["height"] > 0 and node["meta"]["sliceName"], node_id
        assert dashboard["slug"] and re.fullmatch(r"[a-z0-9-]+", dashboard["slug"])
        metadata = dashboard["metadata"]
        assert isinstance(metadata.get("native_filter_configuration", []), list)


def test_the_database_is_the_reader_login_with_no_password():
    ((path, database),) = load_assets()["databases"]
    assert set(database["extra"]) <= KNOWN_DATABASE_EXTRA, path
    uri = urlsplit(database["sqlalchemy_uri"])
    # No password (nor its export mask): superset-init sets it from .env after the import.
    assert uri.password is None and "XXXXXXXXXX" not in database["sqlalchemy_uri"]
    assert uri.scheme == "postgresql+psycopg2"
    assert (uri.username, uri.hostname, uri.port, uri.path) == (
        "bi_superset",
        "warehouse",
        5432,
        "/hub",
    )
    # Read only: no DML, no CREATE TABLE/VIEW AS, no uploads.
    assert not any(database[flag] for flag in ("allow_dml", "allow_ctas", "allow_cvas"))
    assert database["allow_csv_upload"] is False
    # The same login, host and database the init service's URL (with the password) names.
    compose = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    init_url = compose["services"]["superset-init"]["environment"]["WAREHOUSE_BI_URL"]
    given = urlsplit(re.sub(r"\$\{[^}]*\}", "secret", init_url))
    assert (given.scheme, given.username, given.hostname, given.port, given.path) == (
        uri.scheme,
        uri.username,
        uri.hostname,
        uri.port,
        uri.path,
    )


# ------------------------------------------------------------------ against the warehouse


def test_datasets_are_physical_views_that_sql_shared_creates():
    created = shared_view_files()
    for path, dataset in load_assets()["datasets"]:
        assert dataset["schema"] == "shared", path
        assert dataset.get("sql") is None, f"{path}: a physical dataset, on the view itself"
        assert dataset["table_name"] in created, (
            f"{path}: shared.{dataset['table_name']} is not created by sql/shared/*.sql"
        )


def test_dataset_columns_and_metrics_are_the_views():
    created = shared_view_files()
    for path, dataset in load_assets()["datasets"]:
        if dataset["table_name"] not in created:
            continue  # reported by the test above
        text = created[dataset["table_name"]].read_text(encoding="utf-8")
        words = set(re.findall(r"\w+", text))
        columns = {c["column_name"]: c for c in dataset["columns"]}
        assert len(columns) == len(dataset["columns"]), path
        for name, column in columns.items():
            assert set(column) <= COLUMN_FIELDS, (path, set(column) - COLUMN_FIELDS)
            assert column.get("expression") is None, (path, name)
            assert name in words, (
                f"{path}: {name} is not a column of shared.{dataset['table_name']}"
            )
        dttm = {name for name, column in columns.items() if column["is_dttm"]}
        assert dataset["main_dttm_col"] in dttm | {None}, path
        for metric in dataset["metrics"]:
            assert set(metric) <= METRIC_FIELDS, (path, set(metric) - METRIC_FIELDS)
            assert metric_columns(metric["expression"]) <= set(columns), (path, metric)


def test_charts_use_their_datasets_columns_and_metrics():
    datasets = by_uuid("datasets")
    for path, chart in load_assets()["charts"]:
        params = chart["params"]
        assert chart["viz_type"] in VIZ_TYPES, path
        assert params["viz_type"] == chart["viz_type"], path
        dataset = datasets[str(chart["dataset_uuid"])]
        columns = {c["column_name"] for c in dataset["columns"]}
        metrics = {m["metric_name"] for m in dataset["metrics"]}
        assert chart_columns(params) <= columns, (path, chart_columns(params) - columns)
        assert set(chart_metrics(params)) <= metrics, (path, set(chart_metrics(params)) - metrics)
        if chart["viz_type"] != "table" or params.get("query_mode") != "raw":
            assert chart_metrics(params), f"{path}: an aggregate chart needs a metric"
        temporal = {c["column_name"] for c in dataset["columns"] if c["is_dttm"]}
        for flt in params.get("adhoc_filters") or []:
            if flt["operator"] == "TEMPORAL_RANGE":
                assert flt["subject"] in temporal, path
        if params.get("time_grain_sqla"):
            assert params["x_axis"] in temporal, path


def test_charts_that_sum_a_mixed_grain_view_filter_one_grain():
    """signing_indicators holds months, quarters and years to date (the charts read its
    per-grain view signing_indicators_monthly instead), lifecycle_funnel month and quarter
    cohorts: a chart that sums them across grains would double-count."""
    grain_columns = {"signing_indicators": "period_type", "lifecycle_funnel": "cohort_type"}
    datasets = by_uuid("datasets")
    for path, chart in load_assets()["charts"]:
        table = datasets[str(chart["dataset_uuid"])]["table_name"]
        if table in grain_columns:
            filters = {
                f["subject"]: f["comparator"]
                for f in chart["params"].get("adhoc_filters") or []
                if f["operator"] == "=="
            }
            assert filters.get(grain_columns[table]) == "month", path


def test_chart_queries_are_built_for_the_integration_test():
    datasets = by_uuid("datasets")
    for _path, chart in load_assets()["charts"]:
        query = chart_query(chart, datasets[str(chart["dataset_uuid"])])
        assert query.startswith("select ") and " from shared." in query


# ------------------------------------------------------------------ the init script and image


def test_init_script_is_valid_bash_and_imports_then_sets_the_reader_url():
    subprocess.run(["bash", "-n", str(INIT_SCRIPT)], check=True)
    assert INIT_SCRIPT.stat().st_mode & 0o111
    script = INIT_SCRIPT.read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in script
    steps = [
        "superset db upgrade",
        "superset fab create-admin",
        "superset init",
        "superset import-dashboards",
        "superset set-database-uri",
    ]
    positions = [script.index(step) for step in steps]
    assert positions == sorted(positions)
    # The database it points at is the bundle's, by name.
    ((_path, database),) = load_assets()["databases"]
    assert f'database_name="{database["database_name"]}"' in script
    assert '--uri "${WAREHOUSE_BI_URL}"' in script
    # No secret in the script: each comes from the environment.
    assert '"${SUPERSET_ADMIN_PASSWORD}"' in script
    assert not re.search(r"(?i)(password|secret)\s*=\s*['\"]?\w", script)


def test_image_carries_the_assets_the_script_imports():
    dockerfile = (SUPERSET_DIR / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY --chown=superset:superset assets /app/docker/hub/assets" in dockerfile
    assert "/app/docker/hub/assets" in INIT_SCRIPT.read_text(encoding="utf-8")
