"""Two `hub sync` runs started at once never interleave: the later one waits, and says so.

Each department's ingest (landing, audit, batch checks, merge) and the publish hold an
advisory lock (hub/warehouse/locks.py), the same one the Airflow tasks take (a CLI sync
beside a DAG run: tests/dags/test_concurrent_cli_and_dag.py). The departments are slowed a
little so the two syncs overlap for certain; both must exit 0, one must have said it waited,
no two runs' steps on one department (or on the publish) may overlap in time, and the
warehouse must end on the invariant.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.sandbox import FaultKnobs
from hub.warehouse.connection import connect
from tests.faults.invariant import interleaved_runs, note_fault

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Hang guard, not a speed check.
FINISH_WITHIN_S = 600
HUB_SYNC = "from hub.cli import main; raise SystemExit(main(['sync']))"


def start_hub_sync(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", HUB_SYNC],
        cwd=REPO_ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def runs(url: str) -> int:
    with connect(url) as conn:
        return conn.execute("select count(distinct run_id) from meta.sync_steps").fetchone()[0]


def test_two_hub_syncs_started_at_once_never_interleave(hub_settings, sandbox, invariant):
    sandbox.faults = FaultKnobs(latency_s=0.01)
    env = {
        **sandbox.env(),
        "HUB_WAREHOUSE_URL": hub_settings.warehouse_url,
        "HUB_HOME": str(hub_settings.home),
    }

    first, second = start_hub_sync(env), start_hub_sync(env)
    note_fault("concurrent syncs")
    outcomes = [process.communicate(timeout=FINISH_WITHIN_S) for process in (first, second)]

    assert [first.returncode, second.returncode] == [0, 0], [err[-2000:] for _, err in outcomes]
    stderr = "\n".join(err for _, err in outcomes)
    assert "waiting for another sync of" in stderr, stderr[-2000:]
    url = hub_settings.warehouse_url
    assert runs(url) == 2
    assert interleaved_runs(url) == []
    invariant()
