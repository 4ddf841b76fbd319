"""The per-department DAGs of issue 14: `ingest_<dept>` on each department's own schedule, and
`resolve_and_publish` triggered by any department's raw Asset."""

from __future__ import annotations

import types
from datetime import UTC, datetime

import pytest

SOURCE_SYSTEMS = ("commerce", "approval", "land", "stats")
INGEST_DAGS = tuple(f"ingest_{dept}" for dept in SOURCE_SYSTEMS)


def test_the_five_dags_load(dagbag):
    assert dagbag.import_errors == {}
    assert {*INGEST_DAGS, "resolve_and_publish", "hub_sync"} <= set(dagbag.dags)


def test_schedules_are_the_documented_ones():
    from hub_airflow import schedules

    assert schedules.INGEST == {
        "approval": "*/15 * * * *",
        "commerce": "0 * * * *",
        "land": "0 18 * * *",
        "stats": "0 3 * * *",
    }
    assert schedules.ingest_schedule("a-department-without-one") == schedules.DEFAULT_INGEST


@pytest.mark.parametrize("dept", SOURCE_SYSTEMS)
def test_ingest_dag(dagbag, dept):
    from hub_airflow import schedules

    dag = dagbag.dags[f"ingest_{dept}"]
    assert dag.timetable.expression == schedules.INGEST[dept]
    assert str(dag.timezone) == "Asia/Shanghai"
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    assert dag.params["full"] is False
    assert f"dept:{dept}" in dag.tags
    ingest = dag.get_task(f"ingest_{dept}")
    assert [a.name for a in ingest.outlets] == [f"hub.raw.{dept}"]
    assert ingest.multiple_outputs is False
    others = {t.task_id for t in dag.tasks} - {ingest.task_id}
    assert others == ({"wait_for_done_marker"} if dept == "land" else set())
    assert not ingest.downstream_task_ids


def test_land_waits_for_its_marker_deferred(dagbag):
    from airflow.providers.standard.sensors.filesystem import FileSensor

    dag = dagbag.dags["ingest_land"]
    sensor = dag.get_task("wait_for_done_marker")
    assert isinstance(sensor, FileSensor)
    assert sensor.deferrable is True
    assert sensor.downstream_task_ids == {"ingest_land"}
    # the wait must end before the next evening's run would start
    assert sensor.timeout <= 24 * 3600
    assert sensor.execution_timeout.total_seconds() > sensor.timeout


def _land_context():
    # 2026-12-07 18:00 Asia/Shanghai
    run_after = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    return {"dag_run": types.SimpleNamespace(run_after=run_after)}


@pytest.fixture
def land_dir(tmp_path, monkeypatch):
    from hub_airflow import connections

    monkeypatch.setenv("HUB_SOURCE_LAND_DIR", str(tmp_path))
    monkeypatch.setattr(connections, "warehouse_url_from_connection", lambda *a, **k: None)
    return tmp_path


def test_land_sensor_defers_to_a_file_trigger_until_the_days_marker(land_dir):
    from airflow.providers.standard.triggers.file import FileTrigger
    from airflow.sdk.exceptions import TaskDeferred
    from hub_airflow.land import LandDoneSensor

    (land_dir / "land_supply_20261206.csv.done").touch()  # yesterday's marker does not count
    sensor = LandDoneSensor(task_id="wait_for_done_marker")
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(_land_context())
    trigger = deferred.value.trigger
    assert isinstance(trigger, FileTrigger)
    assert trigger.filepath == str(land_dir / "land_supply_20261207.csv.done")


def test_land_sensor_succeeds_at_once_when_the_marker_is_there(land_dir):
    from hub_airflow.land import LandDoneSensor

    (land_dir / "land_supply_20261207.csv").touch()
    (land_dir / "land_supply_20261207.csv.done").touch()
    LandDoneSensor(task_id="wait_for_done_marker").execute(_land_context())  # no deferral


def test_resolve_and_publish_runs_on_any_raw_asset(dagbag):
    from airflow.sdk import AssetAny
    from hub_airflow import assets

    dag = dagbag.dags["resolve_and_publish"]
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    condition = dag.timetable.asset_condition
    assert type(condition).__name__ == AssetAny.__name__
    assert [a.name for a in condition.objects] == [a.name for a in assets.RAW.values()]
    assert [a.name for a in assets.RAW.values()] == [f"hub.raw.{d}" for d in SOURCE_SYSTEMS]
    assert [t.task_id for t in dag.tasks] == ["resolve_and_publish"]
    task = dag.get_task("resolve_and_publish")
    assert [a.name for a in task.outlets] == ["hub.shared.projects"]
    assert task.multiple_outputs is False


def test_one_definition_of_each_task():
    """hub_sync and the per-department DAGs share hub_airflow/tasks.py's tasks."""
    from pathlib import Path

    dags = Path(__file__).resolve().parents[2] / "dags"
    for name in ("from hub.pipeline import ingest", "from hub.pipeline import resolve_and_publish"):
        defining = [p.name for p in dags.rglob("*.py") if name in p.read_text(encoding="utf-8")]
        assert defining == ["tasks.py"], (name, defining)


def _states(dag_run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


@pytest.mark.integration
@pytest.mark.slow
def test_ingest_commerce_then_resolve_and_publish_publishes(
    airflow_db, run_dag, load_dagbag, fresh_warehouse_url, sandbox_env, monkeypatch, tmp_path
):
    from hub.warehouse.connection import connect

    for name, value in sandbox_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HUB_WAREHOUSE_URL", fresh_warehouse_url)
    monkeypatch.setenv("HUB_HOME", str(tmp_path))
    bag = load_dagbag()
    assert bag.import_errors == {}
    ingest, publish = bag.dags["ingest_commerce"], bag.dags["resolve_and_publish"]
    for task in (*ingest.tasks, *publish.tasks):  # fail now, not after the retry delays
        task.retries = 0

    run_dag(ingest)
    with connect(fresh_warehouse_url) as conn:
        assert conn.execute("select count(*) from shared.projects").fetchone()[0] == 0

    publish_run = publish.test()
    assert publish_run.state == "success", _states(publish_run)
    with connect(fresh_warehouse_url) as conn:
        projects = conn.execute("select count(*) from shared.projects").fetchone()[0]
        land = conn.execute("select count(*) from core.land_parcels").fetchone()[0]
    assert projects > 0
    assert land == 0  # only commerce was read
