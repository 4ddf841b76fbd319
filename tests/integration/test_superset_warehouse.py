"""The Superset starter dashboard (docker/superset/assets) against a real warehouse.

On a fresh migrated warehouse: every dataset's view exists in schema shared with every column the
dataset declares, of a type that matches; and every chart's query (its groupings, saved metrics
and filters, as tests/unit/test_superset_assets.py builds it) runs as a login granted hub_reader,
the role Superset's `bi_superset` login has.
"""

from __future__ import annotations

import pytest

from tests.integration.conftest import reader_login
from tests.unit.test_superset_assets import by_uuid, chart_query, load_assets

#: A dataset column type → the information_schema data types it may be.
TYPES = {
    "TEXT": {"text", "character varying", "character"},
    "DATE": {"date"},
    "BIGINT": {"bigint"},
    "INTEGER": {"integer"},
    "NUMERIC": {"numeric"},
    "BOOLEAN": {"boolean"},
}


def _columns(conn, table: str) -> dict[str, str]:
    rows = conn.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'shared' and table_name = %s",
        [table],
    ).fetchall()
    return dict(rows)


def test_datasets_match_the_views(fresh_warehouse_url):
    from hub.warehouse.connection import connect

    with connect(fresh_warehouse_url, autocommit=True) as conn:
        for path, dataset in load_assets()["datasets"]:
            columns = _columns(conn, dataset["table_name"])
            assert columns, f"{path}: shared.{dataset['table_name']} does not exist"
            for column in dataset["columns"]:
                name = column["column_name"]
                assert name in columns, f"{path}: shared.{dataset['table_name']} has no {name}"
                assert columns[name] in TYPES[column["type"]], (path, name, columns[name])
                assert column["is_dttm"] == (columns[name] == "date"), (path, name)


@pytest.mark.parametrize(
    "chart_path", [str(path) for path, _chart in load_assets()["charts"]], ids=lambda p: p
)
def test_chart_query_runs_as_a_reader(fresh_warehouse_url, chart_path):
    datasets = by_uuid("datasets")
    (chart,) = [c for path, c in load_assets()["charts"] if str(path) == chart_path]
    query = chart_query(chart, datasets[str(chart["dataset_uuid"])])
    with reader_login(fresh_warehouse_url, "hub_reader", None) as conn:
        cursor = conn.execute(query)
        assert cursor.description is not None
        cursor.fetchall()
