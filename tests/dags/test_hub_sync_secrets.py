"""hub_sync under Airflow keeps every secret out of XComs, the metadata DB and the task logs.

The sandbox departments demand distinctive credentials (tests/secret_scan.py); the warehouse
is reached as a `hub_loader` login whose distinctive password comes through the Airflow
Connection `hub_warehouse`, as a deployment's secrets backend gives it; commerce is sent a
wrong key, so one task fails and its error travels through Airflow's own failure handling.
Then the whole metadata DB (XComs first of all), every file under AIRFLOW_HOME (task logs
included), what the run printed and logged, and the warehouse are searched for the secrets.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.secret_scan import (
    CREDENTIALS,
    LOADER_PASSWORD,
    SECRETS,
    WRONG_COMMERCE_KEY,
    files_with_secrets,
    found_in,
    warehouse_leaks,
)

INGESTS = tuple(f"ingest_{dept}" for dept in ("commerce", "approval", "land", "stats"))


def metadata_db_leaks(path: Path, secrets: tuple[str, ...]) -> list[str]:
    """Every row of every table of Airflow's SQLite metadata DB that holds a secret (text
    and blob columns alike: an XCom value is stored as JSON)."""
    found: list[str] = []
    with sqlite3.connect(path) as db:
        tables = [
            name for (name,) in db.execute("select name from sqlite_master where type = 'table'")
        ]
        for table in tables:
            for row in db.execute(f'select * from "{table}"'):
                text = "\n".join(
                    value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    for value in row
                )
                found += found_in(f"metadata DB table {table}", text, secrets)
    return found


@pytest.fixture
def secret_sandbox(scenario, tmp_path_factory):
    from hub.sandbox import SandboxDepartments

    departments = SandboxDepartments(
        scenario,
        tmp_path_factory.mktemp("land"),
        ports={"commerce": 0, "approval": 0, "stats": 0},
        credentials=CREDENTIALS,
    )
    departments.start()
    yield departments
    departments.stop()


@pytest.fixture
def loader_url(fresh_warehouse_url):
    """A hub_loader login with a distinctive password; dropped afterwards."""
    from hub.access import grant
    from hub.warehouse.connection import connect

    login = f"t_secret_af_{uuid.uuid4().hex[:6]}"
    grant(fresh_warehouse_url, login, "hub_loader", district_code=None, password=LOADER_PASSWORD)
    yield (
        make_url(fresh_warehouse_url)
        .set(username=login, password=LOADER_PASSWORD)
        .render_as_string(hide_password=False)
    )
    with connect(fresh_warehouse_url, autocommit=True) as conn:
        conn.execute(f'drop owned by "{login}"')
        conn.execute(f'drop role "{login}"')


@pytest.mark.integration
@pytest.mark.slow
def test_no_secret_in_xcoms_metadata_or_task_logs(
    airflow_db,
    load_dagbag,
    secret_sandbox,
    loader_url,
    fresh_warehouse_url,
    monkeypatch,
    tmp_path,
    caplog,
    capfd,
):
    caplog.set_level(logging.DEBUG)
    for name, value in secret_sandbox.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HUB_SOURCE_COMMERCE_KEY", WRONG_COMMERCE_KEY)
    # The Connection wins over HUB_WAREHOUSE_URL; this one would fail, if it were used.
    monkeypatch.setenv("HUB_WAREHOUSE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    url = make_url(loader_url)
    monkeypatch.setenv(
        "AIRFLOW_CONN_HUB_WAREHOUSE",
        url.set(drivername="postgres").render_as_string(hide_password=False),
    )
    monkeypatch.setenv("HUB_HOME", str(tmp_path))
    bag = load_dagbag()
    assert bag.import_errors == {}
    hub_sync = bag.dags["hub_sync"]
    for task in hub_sync.tasks:  # fail now, not after the retry delays
        task.retries = 0

    dag_run = hub_sync.test()

    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    assert states == {
        **dict.fromkeys(INGESTS, "success"),
        "ingest_commerce": "failed",
        "resolve_and_publish": "success",
        "summarize": "success",
        "flag_failed_ingests": "failed",
    }
    out, err = capfd.readouterr()
    logged = out + err + caplog.text
    assert "commerce FAILED: commerce: cannot read" in logged  # the failure was logged

    secrets = (*SECRETS, *secret_sandbox.approval_tokens_issued())
    home = Path(os.environ["AIRFLOW_HOME"])
    leaks = metadata_db_leaks(home / "airflow.db", secrets)
    leaks += files_with_secrets(home, secrets)  # task logs, if written to files; the DB file
    leaks += found_in("stdout, stderr and log records", logged, secrets)
    leaks += files_with_secrets(tmp_path, secrets)
    leaks += warehouse_leaks(fresh_warehouse_url, secrets)
    assert leaks == [], "secrets leaked:\n" + "\n".join(leaks)
    with sqlite3.connect(home / "airflow.db") as db:  # XComs were searched, not absent
        assert db.execute("select count(*) from xcom").fetchone()[0] > 0
