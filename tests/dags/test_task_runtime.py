"""What the hub's tasks add at run time to their ``hub.pipeline`` call (issue 14): the warehouse
pool, one run id per DAG run in meta.sync_steps, and progress lines in the ingest task's log.

The recorder tests replace ``hub.pipeline`` as tests/dags/test_hub_sync_run.py does; the last
test runs hub_sync for real, sandbox departments → a fresh warehouse.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_SYSTEMS = ("commerce", "approval", "land", "stats")
WAREHOUSE_TASKS = {*(f"ingest_{dept}" for dept in SOURCE_SYSTEMS), "resolve_and_publish"}
#: A progress line with records and a rate, of a department (group 1).
PROGRESS_LINE = re.compile(r"(\w+): \w+, [\d,]+ records, [\d,]+ records/s")


class ClockRecordingPipeline(types.ModuleType):
    """Stands in for ``hub.pipeline``: remembers the clock each call is given, and tells it a
    department's steps the way ``hub.pipeline.ingest`` does (records while landing)."""

    def __init__(self) -> None:
        super().__init__("hub.pipeline")
        self.clocks: dict[str, object] = {}

    def ingest(self, settings, source_system, *, full=False, clock=None):
        self.clocks[source_system] = clock
        with clock.step("land", source_system=source_system, batch_id=f"{source_system}-1"):
            clock.tell(source_system, "land", 0)
            time.sleep(0.02)
            clock.tell(source_system, "land", 1200)
        with clock.step("merge", source_system=source_system, batch_id=f"{source_system}-1"):
            pass
        return {"source_system": source_system, "batch_id": f"{source_system}-1", "status": "ok"}

    def resolve_and_publish(self, settings, *, clock=None):
        self.clocks["publish"] = clock
        return {"projects": 3}

    def summarize(self, settings):
        return {"projects_per_stage": {}, "records_per_source": {}, "rejects_per_source": {}}


@pytest.fixture
def hub_sync(load_dagbag):
    bag = load_dagbag()
    assert bag.import_errors == {}
    return bag.dags["hub_sync"]


@pytest.fixture
def warehouse_pool(airflow_db, dagbag):
    """The pool, as airflow-init creates it: dag.test() leaves a task of a missing pool unrun."""
    from airflow.models.pool import Pool
    from hub_airflow.pools import WAREHOUSE_POOL, WAREHOUSE_POOL_DESCRIPTION, WAREHOUSE_POOL_SLOTS

    Pool.create_or_update_pool(
        WAREHOUSE_POOL, WAREHOUSE_POOL_SLOTS, WAREHOUSE_POOL_DESCRIPTION, include_deferred=False
    )


def _states(dag_run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


def _progress_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "hub.progress"]


def test_warehouse_tasks_run_in_the_warehouse_pool(dagbag):
    from hub_airflow.pools import WAREHOUSE_POOL

    assert WAREHOUSE_POOL == "hub_warehouse"
    seen = set()
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            if task.task_id in WAREHOUSE_TASKS:
                assert task.pool == WAREHOUSE_POOL, (dag.dag_id, task.task_id)
                seen.add(task.task_id)
            else:  # summarize, flag_failed_ingests, …: no slot of the warehouse's taken
                assert task.pool != WAREHOUSE_POOL, (dag.dag_id, task.task_id)
    assert seen == WAREHOUSE_TASKS


def _init_commands() -> list[list[str]]:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    _flag, script = compose["services"]["airflow-init"]["command"]
    return [words for line in script.splitlines() if (words := shlex.split(line, comments=True))]


def test_airflow_init_creates_the_pool_after_migrating(dagbag):
    from hub_airflow.pools import (
        WAREHOUSE_POOL,
        WAREHOUSE_POOL_DESCRIPTION,
        WAREHOUSE_POOL_SLOTS,
    )

    commands = _init_commands()
    pool_set = ["airflow", "pools", "set", WAREHOUSE_POOL, str(WAREHOUSE_POOL_SLOTS)]
    (created,) = [i for i, argv in enumerate(commands) if argv[:5] == pool_set]
    assert commands[created][5:] == [WAREHOUSE_POOL_DESCRIPTION]
    migrated = commands.index(["/entrypoint", "airflow", "version"])  # runs `airflow db migrate`
    assert migrated < created


@pytest.mark.slow
def test_the_pool_command_works_on_this_airflow(dagbag, tmp_path):
    """airflow-init's `airflow pools set`, run against a metadata DB of its own, creates the
    pool, and running it again (each `docker compose up airflow-init`) keeps it."""
    from hub_airflow.pools import WAREHOUSE_POOL, WAREHOUSE_POOL_SLOTS

    (command,) = [argv for argv in _init_commands() if argv[:3] == ["airflow", "pools", "set"]]
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
    }
    airflow = [sys.executable, "-m", "airflow"]

    def run(*argv: str) -> str:
        return subprocess.run(
            [*airflow, *argv], env=env, check=True, capture_output=True, text=True, timeout=300
        ).stdout

    run("db", "migrate")
    run(*command[1:])
    run(*command[1:])
    listed = run("pools", "get", WAREHOUSE_POOL, "--output", "plain")
    assert re.search(rf"^{WAREHOUSE_POOL}\s+{WAREHOUSE_POOL_SLOTS}\b", listed, re.M), listed


def test_hub_run_id_names_the_dag_run_and_keeps_to_plain_characters(dagbag):
    from hub_airflow.tasks import hub_run_id

    assert (
        hub_run_id("hub_sync", "manual__2026-12-07T02:00:00+00:00")
        == "airflow-hub_sync-manual__2026-12-07T02:00:00+00:00"
    )
    assert hub_run_id("ingest_land", "my run/1\n") == "airflow-ingest_land-my_run_1_"
    assert len(hub_run_id("hub_sync", "x" * 1000)) == 200


@pytest.mark.slow
def test_every_task_of_a_dag_run_shares_its_run_id_and_ingests_log_progress(
    airflow_db, warehouse_pool, hub_sync, monkeypatch, caplog
):
    from hub_airflow.tasks import hub_run_id

    pipeline = ClockRecordingPipeline()
    monkeypatch.setitem(sys.modules, "hub.pipeline", pipeline)
    monkeypatch.setenv("HUB_WAREHOUSE_URL", "postgresql+psycopg://env@env-host:5432/hub")
    caplog.set_level("INFO", logger="hub.progress")

    dag_run = hub_sync.test()

    assert dag_run.state == "success", _states(dag_run)
    assert set(pipeline.clocks) == {*SOURCE_SYSTEMS, "publish"}
    run_ids = {clock.run_id for clock in pipeline.clocks.values()}
    assert run_ids == {hub_run_id("hub_sync", dag_run.run_id)}
    # Each ingest's log: its phases as they change, the records and their rate once landed.
    lines = _progress_lines(caplog)
    for dept in SOURCE_SYSTEMS:
        assert any(line.endswith(f"{dept}: land, 0:00") for line in lines), lines
        assert any(
            (m := PROGRESS_LINE.search(line)) and m[1] == dept and "1,200 records" in line
            for line in lines
        ), lines
        assert any(f"{dept}: done, 1,200 records" in line for line in lines), lines


@pytest.mark.integration
@pytest.mark.slow
def test_hub_sync_records_one_run_with_every_step_and_logs_progress(
    airflow_db,
    warehouse_pool,
    hub_sync,
    fresh_warehouse_url,
    sandbox_env,
    monkeypatch,
    tmp_path,
    caplog,
):
    from hub_airflow.tasks import hub_run_id

    from hub.warehouse.connection import connect

    for name, value in sandbox_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HUB_WAREHOUSE_URL", fresh_warehouse_url)
    monkeypatch.setenv("HUB_HOME", str(tmp_path))
    for task in hub_sync.tasks:
        task.retries = 0
    caplog.set_level("INFO", logger="hub.progress")

    dag_run = hub_sync.test()

    assert dag_run.state == "success", _states(dag_run)
    with connect(fresh_warehouse_url) as conn:
        rows = conn.execute(
            "select run_id, coalesce(source_system, 'publish'), step from meta.sync_steps"
        ).fetchall()
    assert {run_id for run_id, _who, _step in rows} == {hub_run_id("hub_sync", dag_run.run_id)}
    steps = {(who, step) for _run_id, who, step in rows}
    for dept in SOURCE_SYSTEMS:
        assert {(dept, "land"), (dept, "merge")} <= steps, steps
    assert {("publish", "resolve"), ("publish", "projects")} <= steps, steps
    # Each department's log: its records and their rate (per second) once landed.
    lines = _progress_lines(caplog)
    logged = {m[1] for line in lines if (m := PROGRESS_LINE.search(line))}
    assert logged == set(SOURCE_SYSTEMS), lines
