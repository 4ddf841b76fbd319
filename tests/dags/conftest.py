"""Point Airflow at a throw-away home before anything imports it.

pytest imports this conftest before it collects the test modules beside it, and Airflow reads
its configuration once, at import. So the environment is set here, at module level, not in a
fixture. It stays set for the rest of the session, which is harmless: only Airflow reads
AIRFLOW_*, and only tests under tests/dags import Airflow.

The metadata database is a SQLite file in that home. It is created (``airflow db migrate``) only
by the ``airflow_db`` fixture, which the tests that run a DAG ask for; parsing needs no database.

Never import this module from a test module: it would run again under a second name and point
Airflow (and the OpenLineage transport) at a second home mid-session. Use its fixtures.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO_ROOT / "dags"

if "airflow" in sys.modules:  # too late: Airflow already read the developer's real AIRFLOW_HOME
    raise RuntimeError(
        "airflow was imported before tests/dags/conftest.py could point it at a throw-away "
        "AIRFLOW_HOME; do not import airflow from tests/conftest.py or from test modules "
        "outside tests/dags"
    )

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="hub-airflow-home-"))
#: Where the OpenLineage provider writes its events, one JSON object a line.
OPENLINEAGE_EVENTS = _AIRFLOW_HOME / "openlineage-events.jsonl"
atexit.register(shutil.rmtree, _AIRFLOW_HOME, ignore_errors=True)
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}",
        # OpenLineage on, as in a deployment with a catalog: every event goes to one file.
        # Read once per process (the provider's plugin), so it is set here, not in a fixture.
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(OPENLINEAGE_EVENTS), "append": True}
        ),
        # Emit from a thread of the task's process, not a fork of it: under dag.test() the
        # fork of a process holding pytest's and the sandbox's threads waited out the whole
        # [openlineage] execution_timeout (10 s) at each task event.
        "AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD": "True",
    }
)
# A developer's own Airflow connection or secrets settings must not leak into the tests.
for _name in [n for n in os.environ if n.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_"))]:
    del os.environ[_name]
_OPENLINEAGE_TEST_SETTINGS = (
    "AIRFLOW__OPENLINEAGE__TRANSPORT",
    "AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD",
)
# Nor may their OpenLineage settings (a real catalog, or OpenLineage turned off).
for _name in [n for n in os.environ if n.startswith("OPENLINEAGE")]:
    del os.environ[_name]
for _name in [n for n in os.environ if n.startswith("AIRFLOW__OPENLINEAGE__")]:
    if _name not in _OPENLINEAGE_TEST_SETTINGS:
        del os.environ[_name]


def load_dagbag():
    """Parse dags/ the way the DAG processor does: the bundle folder goes on sys.path."""
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=DAGS_FOLDER, bundle_path=DAGS_FOLDER)


@pytest.fixture(scope="session")
def dagbag():
    return load_dagbag()


@pytest.fixture(name="load_dagbag")
def load_dagbag_fixture():
    """For a test that must watch a fresh parse (the session's ``dagbag`` is parsed once)."""
    return load_dagbag


@pytest.fixture(scope="session")
def airflow_db():
    """A migrated metadata database (what ``airflow db migrate`` does), once per session."""
    from airflow.models.pool import Pool
    from airflow.utils import db

    db.upgradedb()
    # The pool the warehouse tasks run in, as airflow-init creates it (dags/hub_airflow/pools.py):
    # dag.test() never runs a task whose pool is missing, it waits for it.
    sys.path.insert(0, str(DAGS_FOLDER))
    from hub_airflow.pools import WAREHOUSE_POOL, WAREHOUSE_POOL_DESCRIPTION, WAREHOUSE_POOL_SLOTS

    Pool.create_or_update_pool(
        WAREHOUSE_POOL, WAREHOUSE_POOL_SLOTS, WAREHOUSE_POOL_DESCRIPTION, include_deferred=False
    )


def task_states(dag_run) -> dict[str, str]:
    """Each task's state in ``dag_run``, for an assertion's message."""
    return {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


@pytest.fixture
def run_dag(airflow_db):
    """``run_dag(dag, **test_kwargs)``: ``dag.test()`` that must succeed. Retries are off, so a
    failure fails the test now rather than after the real retry delays; the task states are in
    the message when the run does not succeed."""

    def run(dag, **test_kwargs):
        for task in dag.tasks:
            task.retries = 0
        # dag.test() in Airflow 3.3.2 cannot finish a run of a DAG with a Deadline Alert: it
        # schedules a serialization round trip of the DAG, whose ``deadline`` still holds the
        # alerts themselves where the scheduler's holds their ids, and DagRun.update_state
        # fails looking them up once the run has succeeded. The alert changes no data; it is
        # off for the run only (tests/dags/test_alerts.py checks it and its callback).
        deadline, dag.deadline = dag.deadline, None
        try:
            dag_run = dag.test(**test_kwargs)
        finally:
            dag.deadline = deadline
        states = task_states(dag_run)
        assert dag_run.state == "success", (dag.dag_id, states)
        # and every task was there to run: a run whose logical date is before the tasks' start
        # date gets no task instance at all, and is a "success"
        assert states.keys() == set(dag.task_ids), (dag.dag_id, states)
        return dag_run

    return run


@pytest.fixture
def openlineage_events():
    """``openlineage_events()``: the OpenLineage events emitted since the test began (the
    file transport's lines, one file for the session), as dicts: those whose eventTime is not
    before the test began."""
    began = datetime.now(UTC)

    def read() -> list[dict]:
        if not OPENLINEAGE_EVENTS.exists():
            return []
        lines = OPENLINEAGE_EVENTS.read_text(encoding="utf-8").splitlines()
        events = [json.loads(line) for line in lines if line.strip()]
        return [e for e in events if datetime.fromisoformat(e["eventTime"]) >= began]

    return read
