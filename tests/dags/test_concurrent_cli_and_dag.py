"""A `hub sync` from the command line and a hub_sync DAG run started while it works never
interleave (issue 16's fault suite; tests/faults/test_concurrent_syncs.py has two CLI syncs).

The CLI sync runs in a child process against slowed sandbox departments; once it is landing,
the DAG runs in this process (``dag.test()``). Its tasks take the same per-department and
publish locks, so they wait for the CLI's: both must succeed, the DAG must have started
while the CLI still worked, no two runs' steps on one department (or on the publish) may
overlap in time, and the warehouse must end on the faults' invariant.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub.sandbox import FaultKnobs
from hub.warehouse.connection import connect
from tests.conftest import use_hub_env
from tests.faults.invariant import check_invariant, interleaved_runs, note_fault

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Hang guards, not speed checks.
CATCH_WITHIN_S = 120
FINISH_WITHIN_S = 600
HUB_SYNC = "from hub.cli import main; raise SystemExit(main(['sync']))"


def database_now(url: str):
    with connect(url) as conn:
        return conn.execute("select clock_timestamp()").fetchone()[0]


def wait_until_landing(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + CATCH_WITHIN_S
    while time.monotonic() < deadline and process.poll() is None:
        with connect(url) as conn:
            if conn.execute("select exists (select from raw.commerce__projects)").fetchone()[0]:
                return
        time.sleep(0.01)
    pytest.fail(f"the CLI sync never started landing (exit {process.poll()})")


def test_a_cli_sync_and_a_dag_run_never_interleave(
    hub_settings, sandbox, databases, airflow_db, load_dagbag, run_dag, monkeypatch
):
    url = hub_settings.warehouse_url
    use_hub_env(monkeypatch, sandbox, hub_settings)
    sandbox.faults = FaultKnobs(latency_s=0.01)
    bag = load_dagbag()
    assert bag.import_errors == {}

    cli = subprocess.Popen(
        [sys.executable, "-c", HUB_SYNC],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},  # the hub env set above
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_landing(url, cli)
        dag_started = database_now(url)
        note_fault("concurrent syncs")
        run_dag(bag.dags["hub_sync"])
        _, stderr = cli.communicate(timeout=FINISH_WITHIN_S)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()

    assert cli.returncode == 0, stderr[-2000:]
    with connect(url) as conn:
        # per run: when its first step began, and whether it still worked once the DAG started
        spans = conn.execute(
            "select min(started_at), max(started_at + seconds * interval '1 second') > %s"
            " from meta.sync_steps group by run_id order by 1",
            [dag_started],
        ).fetchall()
    assert len(spans) == 2
    (_, cli_busy_after_dag_start), _ = spans  # the CLI's run began first
    assert cli_busy_after_dag_start  # they really ran at the same time
    assert interleaved_runs(url) == []
    sandbox.faults = FaultKnobs()
    check_invariant(hub_settings, sandbox, databases.create)
