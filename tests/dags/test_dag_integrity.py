"""Every DAG file parses, follows the hub's DAG policy, and does no work while being parsed."""

from __future__ import annotations

import ast
import socket
from datetime import timedelta
from pathlib import Path

import pytest

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
DAG_FILES = sorted(DAGS_FOLDER.glob("*.py"))
SOURCE_SYSTEMS = ("commerce", "approval", "land", "stats")
#: DAG files that generate several DAGs, and the DAG ids each may generate; every other file
#: defines one DAG named after the file.
GENERATED_DAG_IDS = {"ingest_departments": {f"ingest_{dept}" for dept in SOURCE_SYSTEMS}}

#: What a module-level statement in dags/ may import: the Task SDK, time helpers, our own glue.
#: Anything else (the hub, GX, pandas, requests, psycopg…) belongs inside a task body.
TOP_LEVEL_IMPORTS_ALLOWED = (
    "__future__",
    "airflow.sdk",
    "datetime",
    "pendulum",
    "typing",
    "hub_airflow",
)


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


def test_every_dag_file_defines_a_dag(dagbag):
    parsed = {Path(dag.fileloc).name for dag in dagbag.dags.values()}
    assert parsed == {path.name for path in DAG_FILES}


def test_helper_package_is_not_parsed_for_dags(dagbag):
    assert not [f for f in dagbag.file_last_changed if "hub_airflow" in Path(f).parts]


def test_parsing_does_no_network_io(monkeypatch, load_dagbag):
    def refuse(self, address):
        raise AssertionError(f"a DAG file opened a network connection to {address!r} while parsing")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    bag = load_dagbag()
    assert bag.import_errors == {}
    assert bag.dags


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_no_heavy_imports_at_top_level(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:  # module level only; imports inside functions are the point
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            assert name.startswith(TOP_LEVEL_IMPORTS_ALLOWED), (
                f"{path.name}: top-level import {name}"
            )


def test_dag_policy(dagbag):
    from hub_airflow import tags

    for dag in dagbag.dags.values():
        _check_policy(dag, tags.ALLOWED)


def _check_policy(dag, allowed_tags):
    stem = Path(dag.fileloc).stem
    assert dag.dag_id in GENERATED_DAG_IDS.get(stem, {stem})
    assert dag.default_args.get("retries", 0) >= 2
    assert dag.default_args.get("retry_delay", timedelta(0)) >= timedelta(minutes=1)
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.doc_md and len(dag.doc_md) > 200
    for heading in ("**Owner:**", "**Schedule:**", "**Rerun safety:**"):
        assert heading in dag.doc_md, f"doc_md of {dag.dag_id} lacks {heading}"
    assert dag.start_date.tzinfo is not None
    assert dag.tags and set(dag.tags) <= allowed_tags, set(dag.tags) - allowed_tags
    assert len([t for t in dag.tags if t.startswith("tier:")]) == 1


def test_hub_sync_task_graph(dagbag):
    dag = dagbag.dags["hub_sync"]
    ingests = {f"ingest_{dept}" for dept in SOURCE_SYSTEMS}
    graph = {task.task_id: task.downstream_task_ids for task in dag.tasks}
    assert graph == {
        **{ingest: {"resolve_and_publish", "flag_failed_ingests"} for ingest in ingests},
        "resolve_and_publish": {"summarize"},
        "summarize": set(),
        "flag_failed_ingests": set(),
    }


def test_hub_sync_failure_semantics(dagbag):
    """One department down must not block the others' publishing, yet must fail the run."""
    dag = dagbag.dags["hub_sync"]
    assert dag.get_task("resolve_and_publish").trigger_rule == "all_done_min_one_success"
    assert dag.get_task("summarize").trigger_rule == "all_success"
    flag = dag.get_task("flag_failed_ingests")
    assert flag.trigger_rule == "one_failed"
    assert flag.retries == 0
    # Airflow decides a run's state from its leaf tasks: the flag must be one of them.
    assert not flag.downstream_task_ids


def test_hub_sync_schedule_and_assets(dagbag):
    dag = dagbag.dags["hub_sync"]
    assert dag.timetable.expression == "0 2 * * *"
    assert str(dag.timezone) == "Asia/Shanghai"
    assert dag.params["full"] is False
    for dept in SOURCE_SYSTEMS:
        assert [a.name for a in dag.get_task(f"ingest_{dept}").outlets] == [f"hub.raw.{dept}"]
    assert [a.name for a in dag.get_task("resolve_and_publish").outlets] == ["hub.shared.projects"]


def test_hub_sync_pushes_one_small_xcom_per_task(dagbag):
    for task in dagbag.dags["hub_sync"].tasks:
        assert task.multiple_outputs is False, task.task_id


def test_dags_know_every_department_the_hub_knows():
    from hub_airflow import assets

    from hub.sources import source_systems

    assert assets.SOURCE_SYSTEMS == source_systems() == SOURCE_SYSTEMS


def test_warehouse_connection_becomes_a_psycopg_url():
    from airflow.sdk import Connection
    from hub_airflow.connections import connection_to_url

    conn = Connection(
        conn_id="hub_warehouse",
        conn_type="postgres",
        host="warehouse",
        port=5432,
        login="hub",
        password="s3cret/@:",
        schema="hub",
        extra='{"sslmode": "require", "cursor": "dictcursor"}',
    )
    assert connection_to_url(conn) == (
        "postgresql+psycopg://hub:s3cret%2F%40%3A@warehouse:5432/hub?sslmode=require"
    )
    with pytest.raises(ValueError, match="type postgres"):
        connection_to_url(Connection(conn_id="hub_warehouse", conn_type="http", host="x"))
