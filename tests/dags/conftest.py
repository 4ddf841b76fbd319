"""Point Airflow at a throw-away home before anything imports it.

pytest imports this conftest before it collects the test modules beside it, and Airflow reads
its configuration once, at import. So the environment is set here, at module level, not in a
fixture. It stays set for the rest of the session, which is harmless: only Airflow reads
AIRFLOW_*, and only tests under tests/dags import Airflow.

The metadata database is a SQLite file in that home. It is created (``airflow db migrate``) only
by the ``airflow_db`` fixture, which the tests that run a DAG ask for; parsing needs no database.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
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
atexit.register(shutil.rmtree, _AIRFLOW_HOME, ignore_errors=True)
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}",
    }
)
# A developer's own Airflow connection or secrets settings must not leak into the tests.
for _name in [n for n in os.environ if n.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_"))]:
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
