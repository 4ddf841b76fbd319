"""`hub sync` ingests departments at once, each in a worker process, and publishes once.

The same sandbox scenario synced with ``--jobs 2`` (by the CLI) and with jobs = 1 gives the
same warehouse; the concurrent run's steps, workers' and publish's alike, share one run id;
a department that cannot be read is reported, from its worker, while the others are merged
and published; and Ctrl-C stops the workers with the sync.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hub.cli import main as hub_main
from hub.config import Settings
from hub.pipeline import run_sync
from hub.progress import PUBLISH
from hub.sandbox import FaultKnobs
from hub.sources import departments, source_systems
from hub.warehouse.connection import connect
from tests.conftest import use_hub_env

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
INGEST_STEPS = ["land", "audit", "batch_checks", "merge"]
#: A port nothing listens on: the department "cannot be read".
NOWHERE = "http://127.0.0.1:9"
#: Hang guards, not speed checks.
CATCH_WITHIN_S = 120
EXIT_WITHIN_S = 120


def published_projects(url: str) -> list[str]:
    with connect(url) as conn:
        return sorted(
            row
            for (row,) in conn.execute(
                "select (to_jsonb(t) - 'updated_at')::text from shared.projects as t"
            )
        )


def core_counts(url: str) -> dict[str, int]:
    tables = [f"core.{d.core_table}" for d in departments()]
    tables += ["core.hub_projects", "core.project_links", "core.projects", "meta.rejects"]
    with connect(url) as conn:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}


def run_steps(url: str) -> list[tuple[str, str | None, str, bool]]:
    """(run id, department or None for the publish, step, succeeded) of every step kept."""
    with connect(url) as conn:
        return conn.execute(
            "select run_id, source_system, step, succeeded from meta.sync_steps"
        ).fetchall()


def another_warehouse(settings: Settings, databases) -> Settings:
    return dataclasses.replace(settings, warehouse_url=databases.create())


def test_two_jobs_give_the_warehouse_one_job_gives(
    hub_settings, sandbox, databases, monkeypatch, capsys
):
    assert run_sync(hub_settings, jobs=1).ok
    concurrent = another_warehouse(hub_settings, databases)
    use_hub_env(monkeypatch, sandbox, concurrent)

    assert hub_main(["sync", "--jobs", "2"]) == 0

    out, err = capsys.readouterr()
    assert "published" in out and "FAILED" not in err
    for source_system in source_systems():  # not a terminal: log lines
        assert f"hub sync: {source_system}: land" in err
        assert f"hub sync: {source_system}: done" in err
    assert f"hub sync: {PUBLISH}: done" in err
    one, two = hub_settings.warehouse_url, concurrent.warehouse_url
    assert published_projects(two) == published_projects(one)
    assert core_counts(two) == core_counts(one)

    steps = run_steps(two)
    assert len({run_id for run_id, *_ in steps}) == 1  # workers and publish: one run
    assert all(succeeded for *_, succeeded in steps)
    ingest_steps = sorted((source, step) for _, source, step, _ in steps if source)
    assert ingest_steps == sorted((s, step) for s in source_systems() for step in INGEST_STEPS)
    assert "resolve" in [step for _, source, step, _ in steps if source is None]


def test_a_department_that_cannot_be_read_fails_alone_in_its_worker(hub_settings, sandbox, caplog):
    settings = dataclasses.replace(
        hub_settings,
        stats=dataclasses.replace(hub_settings.stats, base_url=NOWHERE, max_retries=0),
    )
    told: list[tuple[str, str, int | None]] = []

    with caplog.at_level(logging.INFO):
        report = run_sync(settings, jobs=2, progress=lambda *event: told.append(event))

    assert set(report.failures) == {"stats"}
    reason = report.failures["stats"]
    assert NOWHERE in reason and "\n" not in reason
    assert [item["source_system"] for item in report.ingested] == ["commerce", "approval", "land"]
    assert report.published and report.published["projects"] > 0
    failed = [r for r in caplog.records if r.getMessage() == f"stats FAILED: {reason}"]
    assert [r.processName for r in failed] == ["hub-ingest-stats"]  # logged by the worker

    phases = {name: [phase for n, phase, _ in told if n == name] for name in source_systems()}
    for source_system in ("commerce", "approval", "land"):
        assert phases[source_system][0] == "land" and phases[source_system][-1] == "done"
        assert {"audit", "batch_checks", "merge"} <= set(phases[source_system])
    assert phases["stats"][-1] == "failed"
    assert [phase for n, phase, _ in told if n == PUBLISH][-1] == "done"
    landed = {
        name: records for name, phase, records in told if phase == "land" and records is not None
    }
    received = {item["source_system"]: item["records_received"] for item in report.ingested}
    assert landed == {**received, "stats": 0}

    url = settings.warehouse_url
    with connect(url) as conn:
        status = dict(conn.execute("select source_system, last_status from shared.sync_status"))
        linked = {
            s
            for (s,) in conn.execute(
                "select distinct source_system from shared.project_source_links"
            )
        }
        run_ids = conn.execute("select count(distinct run_id) from meta.sync_steps").fetchone()
    assert status == {"commerce": "ok", "approval": "ok", "land": "ok", "stats": "failed"}
    assert linked == {"commerce", "approval", "land"}
    assert run_ids == (1,)
    assert advisory_locks_held(url) == 0


def test_a_worker_that_dies_fails_only_its_department(hub_settings, sandbox):
    sandbox.faults = FaultKnobs(latency_s=0.5)  # stats lands for a while: caught landing
    told: list[tuple[str, str, int | None]] = []

    def kill_stats_when_it_lands(department: str, phase: str, records: int | None) -> None:
        told.append((department, phase, records))
        if (department, phase, records) == ("stats", "land", None):
            worker = next(p for p in multiprocessing.active_children() if p.name.endswith("stats"))
            os.kill(worker.pid, signal.SIGKILL)

    report = run_sync(hub_settings, jobs=2, progress=kill_stats_when_it_lands)

    assert report.failures == {"stats": "its worker process ended without a result (exit code -9)"}
    assert [item["source_system"] for item in report.ingested] == ["commerce", "approval", "land"]
    assert report.published and report.published["projects"] > 0
    assert [phase for name, phase, _ in told if name == "stats"][-1] == "failed"

    sandbox.faults = FaultKnobs()
    again = run_sync(hub_settings, jobs=2)  # whatever the killed worker landed is recovered
    assert again.ok, again.failures
    with connect(hub_settings.warehouse_url) as conn:
        status = conn.execute(
            "select last_status from shared.sync_status where source_system = 'stats'"
        ).fetchone()
    assert status == ("ok",)


def test_ctrl_c_stops_the_workers_with_the_sync(hub_settings, sandbox, tmp_path):
    psutil = pytest.importorskip("psutil")
    url = hub_settings.warehouse_url
    sandbox.faults = FaultKnobs(latency_s=0.5)  # landing lasts long enough to be caught
    sync = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "sync", "--jobs", "2"],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            **sandbox.env(),
            "HUB_WAREHOUSE_URL": url,
            "HUB_HOME": str(tmp_path),
            "PYTHONPATH": str(REPO_ROOT),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a terminal's job is
    )
    stderr = StderrLines(sync)
    try:
        assert stderr.landing.wait(CATCH_WITHIN_S), f"never caught landing: {stderr.tail()}"
        children = psutil.Process(sync.pid).children(recursive=True)
        assert len(children) >= 2  # the fork server and at least one worker

        os.killpg(sync.pid, signal.SIGINT)  # what Ctrl-C on a terminal does
        sync.wait(timeout=EXIT_WITHIN_S)
    finally:
        if sync.poll() is None:
            os.killpg(sync.pid, signal.SIGKILL)
            sync.wait()
    assert sync.returncode != 0, stderr.tail()
    _, alive = psutil.wait_procs(children, timeout=EXIT_WITHIN_S)
    assert alive == []
    assert advisory_locks_held(url) == 0

    sandbox.faults = FaultKnobs()
    again = run_sync(hub_settings, jobs=2)  # what the interrupted batches landed is recovered
    assert again.ok, again.failures


class StderrLines:
    """A child's stderr, read by a thread (so the pipe never fills); ``landing`` is set at
    the first progress line of a department landing."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self.landing = threading.Event()
        self._reader = threading.Thread(target=self._read, args=(process.stderr,), daemon=True)
        self._reader.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line)
            if line.startswith("hub sync: ") and ": land," in line:
                self.landing.set()

    def tail(self) -> str:
        return "".join(self.lines)[-2000:]


def advisory_locks_held(url: str) -> int:
    with connect(url) as conn:
        return conn.execute(
            "select count(*) from pg_locks where locktype = 'advisory'"
            " and database = (select oid from pg_database where datname = current_database())"
        ).fetchone()[0]
