"""Lineage (issue 14): the OpenLineage events of the hub's tasks.

The first tests only parse: every task of every hub DAG has its lineage declared in
``hub_airflow/lineage.py``. The last one runs hub_sync with ``dag.test()`` from the sandbox
departments into a fresh warehouse, with the provider writing its events to a file
(tests/dags/conftest.py), and reads what a catalog would get.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pendulum
import pytest

SOURCE_SYSTEMS = ("commerce", "approval", "land", "stats")


def test_every_task_of_every_hub_dag_has_its_lineage_declared(dagbag):
    from hub_airflow.lineage import task_lineage

    assert dagbag.import_errors == {}
    undeclared = []
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            try:
                task_lineage(task.task_id)
            except KeyError:
                undeclared.append(f"{dag.dag_id}.{task.task_id}")
    assert undeclared == []


def test_the_declared_lineage_follows_department_raw_core_shared(dagbag):
    from hub_airflow.lineage import task_lineage

    for dept, raw, core in (
        ("commerce", "raw.commerce__projects", "core.commerce_projects"),
        ("land", "raw.land__parcels", "core.land_parcels"),
    ):
        lineage = task_lineage(f"ingest_{dept}")
        assert lineage.inputs == (f"department:{dept}",)
        assert lineage.outputs == (raw, core)
    publish = task_lineage("resolve_and_publish")
    assert "core.stats_roster" in publish.inputs
    assert {"core.projects", "shared.projects", "shared.signing_indicators"} <= set(publish.outputs)
    assert set(task_lineage("draw_bulletin").inputs) == {
        "ref.regions",
        "shared.big_projects",
        "shared.lifecycle_funnel",
        "shared.projects",
        "shared.signing_indicators",
    }  # shared.stalled_projects_as_of is a function: not a dataset
    with pytest.raises(KeyError):
        task_lineage("a_task_nobody_declared")


def test_the_land_sensor_reports_the_drop_folder(dagbag, monkeypatch, tmp_path):
    monkeypatch.setenv("HUB_SOURCE_LAND_DIR", str(tmp_path))
    sensor = dagbag.dags["ingest_land"].get_task("wait_for_done_marker")

    lineage = sensor.get_openlineage_facets_on_start()

    assert [(d.namespace, d.name) for d in lineage.inputs] == [("file", str(tmp_path.resolve()))]
    assert lineage.outputs == []


def _datasets(events, job_name: str, side: str) -> set[tuple[str, str]]:
    return {
        (dataset["namespace"], dataset["name"])
        for event in events
        if event["job"]["name"] == job_name
        for dataset in event.get(side) or ()
    }


@pytest.mark.integration
@pytest.mark.slow
def test_hub_sync_sends_each_tasks_inputs_and_outputs(
    hub_settings, sandbox, monkeypatch, run_dag, load_dagbag, openlineage_events
):
    from sqlalchemy.engine import make_url

    from hub.errors import configured_secrets
    from hub.sources import department
    from hub.warehouse.connection import connect
    from tests.conftest import use_hub_env

    use_hub_env(monkeypatch, sandbox, hub_settings)
    bag = load_dagbag()
    assert bag.import_errors == {}
    hub_sync = bag.dags["hub_sync"]

    run_dag(hub_sync)

    events = [e for e in openlineage_events() if e["job"]["name"].startswith("hub_sync.")]
    url = make_url(hub_settings.warehouse_url)
    warehouse, database = f"postgres://{url.host}:{url.port or 5432}", url.database
    # START and COMPLETE for every task that ran
    ran = {t.task_id for t in hub_sync.tasks} - {"flag_failed_ingests"}  # skipped: no failure
    for task_id in ran:
        kinds = {e["eventType"] for e in events if e["job"]["name"] == f"hub_sync.{task_id}"}
        assert {"START", "COMPLETE"} <= kinds, (task_id, kinds)

    base_urls = {
        "commerce": hub_settings.commerce.base_url,
        "approval": hub_settings.approval.base_url,
        "stats": hub_settings.stats.base_url,
    }
    for dept in SOURCE_SYSTEMS:
        job = f"hub_sync.ingest_{dept}"
        source = department(dept)
        if dept == "land":  # a drop folder: a file dataset, its path
            read = ("file", str(hub_settings.land.directory.resolve()))
        else:  # a department's API: its scheme://host:port, the department's entity
            parts = urlsplit(base_urls[dept])
            read = (f"{parts.scheme}://{parts.hostname}:{parts.port}", source.name)
        assert _datasets(events, job, "inputs") == {read}
        assert _datasets(events, job, "outputs") == {
            (warehouse, f"{database}.{source.raw_table}"),
            (warehouse, f"{database}.core.{source.core_table}"),
        }

    inputs = _datasets(events, "hub_sync.resolve_and_publish", "inputs")
    outputs = _datasets(events, "hub_sync.resolve_and_publish", "outputs")
    assert (warehouse, f"{database}.core.commerce_projects") in inputs
    assert (warehouse, f"{database}.core.stats_roster") in inputs
    assert (warehouse, f"{database}.shared.projects") in outputs
    assert (warehouse, f"{database}.core.projects") in outputs
    assert (warehouse, f"{database}.shared.projects") in _datasets(
        events, "hub_sync.summarize", "inputs"
    )

    # The bulletin, drawn on a first working day (Tuesday 1 December, 08:00 in Shanghai).
    bulletin_day = pendulum.datetime(2026, 12, 1, 8, tz="Asia/Shanghai")
    run_dag(bag.dags["monthly_bulletin"], logical_date=bulletin_day, run_after=bulletin_day)
    events += [e for e in openlineage_events() if e["job"]["name"].startswith("monthly_bulletin.")]
    for task_id in ("is_first_working_day", "draw_bulletin"):
        kinds = {
            e["eventType"] for e in events if e["job"]["name"] == f"monthly_bulletin.{task_id}"
        }
        assert {"START", "COMPLETE"} <= kinds, (task_id, kinds)
    assert _datasets(events, "monthly_bulletin.draw_bulletin", "inputs") == {
        (warehouse, f"{database}.{name}")
        for name in (
            "ref.regions",
            "shared.big_projects",
            "shared.lifecycle_funnel",
            "shared.projects",
            "shared.signing_indicators",
        )
    }
    assert _datasets(events, "monthly_bulletin.draw_bulletin", "outputs") == {
        ("file", str(hub_settings.bulletin_dir.resolve()))
    }

    # Every warehouse dataset named is a table or view of the warehouse.
    named = {
        name.removeprefix(f"{database}.")
        for event in events
        for side in ("inputs", "outputs")
        for namespace, name in ((d["namespace"], d["name"]) for d in event.get(side) or ())
        if namespace == warehouse
    }
    with connect(hub_settings.warehouse_url) as conn:
        relations = {
            f"{schema}.{name}"
            for schema, name in conn.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
    assert named and named <= relations, named - relations

    # No credential of the sandbox departments (or the warehouse) in any event.
    text = json.dumps(openlineage_events(), ensure_ascii=False)
    secrets = configured_secrets(hub_settings)
    assert secrets  # the sandbox does have credentials
    assert [s for s in secrets if s in text] == []
