"""Run hub_sync with ``dag.test()`` on a throw-away SQLite metadata database.

The first three tests replace ``hub.pipeline`` with a recorder, to pin down what the DAG itself
adds: the settings it builds, the ``full`` param, and what happens to the run when one department
cannot be read. The last one is the real thing: sandbox departments → a fresh warehouse → shared.
"""

from __future__ import annotations

import sys
import types

import pytest

SOURCE_SYSTEMS = ("commerce", "approval", "land", "stats")
SECRET_TOKEN = "stats-token-do-not-print"
PAYLOAD = '{"project_name": "' + "PAYLOAD-MARKER-" * 40 + '"}'
INGESTS = tuple(f"ingest_{dept}" for dept in SOURCE_SYSTEMS)


class RecordingPipeline(types.ModuleType):
    """Stands in for ``hub.pipeline``; departments in ``down`` raise SourceUnavailable, those
    in ``broken`` an error nobody planned for, quoting the stats token and a record."""

    def __init__(self, down: tuple[str, ...] = (), broken: tuple[str, ...] = ()) -> None:
        super().__init__("hub.pipeline")
        self.down = down
        self.broken = broken
        self.calls: list[tuple] = []

    def ingest(self, settings, source_system, *, full=False, clock=None):
        from connectors.common.records import SourceUnavailable

        self.calls.append(("ingest", source_system, settings.warehouse_url, full))
        if source_system in self.down:
            raise SourceUnavailable(source_system, "http://sandbox.invalid", "connection refused")
        if source_system in self.broken:
            raise RuntimeError(f"token {settings.stats.token} in row {PAYLOAD}")
        return {
            "source_system": source_system,
            "batch_id": f"{source_system}-1",
            "records_received": 3,
            "records_new": 3,
            "rejected": 0,
            "status": "ok",
        }

    def resolve_and_publish(self, settings, *, clock=None):
        self.calls.append(("resolve_and_publish",))
        return {"projects": 3}

    def summarize(self, settings):
        self.calls.append(("summarize",))
        return {
            "projects_per_stage": {"signed": 3},
            "records_per_source": {},
            "rejects_per_source": {},
        }


def _states(dag_run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


@pytest.fixture
def hub_sync(load_dagbag):
    """A freshly parsed hub_sync, so a test may change it without touching the session's."""
    bag = load_dagbag()
    assert bag.import_errors == {}
    return bag.dags["hub_sync"]


@pytest.mark.slow
def test_settings_come_from_env_and_the_warehouse_connection(airflow_db, hub_sync, monkeypatch):
    pipeline = RecordingPipeline()
    monkeypatch.setitem(sys.modules, "hub.pipeline", pipeline)
    monkeypatch.setenv("HUB_WAREHOUSE_URL", "postgresql+psycopg://env@env-host:5432/hub")
    # An Airflow Connection, when defined, wins over the environment.
    monkeypatch.setenv("AIRFLOW_CONN_HUB_WAREHOUSE", "postgres://hub:s3cret@warehouse:5432/hub")

    dag_run = hub_sync.test(run_conf={"full": True})

    assert dag_run.state == "success", _states(dag_run)
    assert _states(dag_run) == {
        **dict.fromkeys(INGESTS, "success"),
        "resolve_and_publish": "success",
        "summarize": "success",
        "flag_failed_ingests": "skipped",
    }
    ingests = sorted(call[1:] for call in pipeline.calls if call[0] == "ingest")
    url = "postgresql+psycopg://hub:s3cret@warehouse:5432/hub"
    assert ingests == sorted((dept, url, True) for dept in SOURCE_SYSTEMS)
    assert pipeline.calls[-2:] == [("resolve_and_publish",), ("summarize",)]


@pytest.mark.slow
def test_one_department_down_publishes_the_others_and_fails_the_run(
    airflow_db, hub_sync, monkeypatch
):
    pipeline = RecordingPipeline(down=("land",))
    monkeypatch.setitem(sys.modules, "hub.pipeline", pipeline)
    monkeypatch.setenv("HUB_WAREHOUSE_URL", "postgresql+psycopg://env@env-host:5432/hub")
    for task in hub_sync.tasks:  # dag.test() would wait out the real retry delays
        task.retries = 0

    dag_run = hub_sync.test()

    assert _states(dag_run) == {
        **dict.fromkeys(INGESTS, "success"),
        "ingest_land": "failed",
        "resolve_and_publish": "success",
        "summarize": "success",
        "flag_failed_ingests": "failed",
    }
    assert dag_run.state == "failed"
    assert ("resolve_and_publish",) in pipeline.calls


@pytest.mark.slow
def test_an_unforeseen_ingest_error_fails_that_task_only_and_its_message_is_redacted(
    airflow_db, hub_sync, monkeypatch, caplog, capfd
):
    pipeline = RecordingPipeline(broken=("stats",))
    monkeypatch.setitem(sys.modules, "hub.pipeline", pipeline)
    monkeypatch.setenv("HUB_WAREHOUSE_URL", "postgresql+psycopg://env@env-host:5432/hub")
    monkeypatch.setenv("HUB_SOURCE_STATS_TOKEN", SECRET_TOKEN)
    for task in hub_sync.tasks:
        task.retries = 0

    dag_run = hub_sync.test()

    assert _states(dag_run) == {
        **dict.fromkeys(INGESTS, "success"),
        "ingest_stats": "failed",
        "resolve_and_publish": "success",
        "summarize": "success",
        "flag_failed_ingests": "failed",
    }
    assert ("resolve_and_publish",) in pipeline.calls
    # the task fails with one line; neither the token nor the whole row reaches any log
    out, err = capfd.readouterr()
    logged = out + err + caplog.text
    assert "HubFailure: stats FAILED: RuntimeError: token *** in row" in logged
    assert SECRET_TOKEN not in logged and PAYLOAD not in logged


@pytest.mark.integration
@pytest.mark.slow
def test_hub_sync_publishes_the_scenario(
    airflow_db, hub_sync, fresh_warehouse_url, sandbox_env, scenario_truth, monkeypatch, tmp_path
):
    from hub.warehouse.connection import connect

    for name, value in sandbox_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HUB_WAREHOUSE_URL", fresh_warehouse_url)
    monkeypatch.setenv("HUB_HOME", str(tmp_path))  # data docs and the like stay out of the repo
    for task in hub_sync.tasks:  # a failure should fail the test now, not after the retry delays
        task.retries = 0

    dag_run = hub_sync.test()

    assert dag_run.state == "success", _states(dag_run)
    with connect(fresh_warehouse_url) as conn:
        rows = conn.execute("select stage, count(*) from shared.projects group by stage").fetchall()
    expected = {stage: count for stage, count in scenario_truth.stage_counts().items() if count}
    assert dict(rows) == expected
