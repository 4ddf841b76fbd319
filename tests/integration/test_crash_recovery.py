"""A sync killed (SIGKILL) in the middle of landing, then run again, leaves the warehouse
exactly as one uninterrupted sync does.

The sync runs in a child process (``run_sync`` with small pages, so landing commits many
times) against sandbox departments served from this process with a little latency, so
landing takes long enough to be caught in the middle. The child is killed twice — while
commerce pages are being committed (its watermark not yet moved), then, in the rerun,
while stats periods are being committed — and a third run completes. A second warehouse
gets one uninterrupted sync of the same data. Compared: every raw version, the core tables
and shared.projects (without load bookkeeping: raw ids, batch ids, load times), the
connector states and the rejects.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub.config import Settings
from hub.pipeline import run_sync
from hub.sandbox import FaultKnobs, SandboxDepartments, generate_scenario
from hub.warehouse.connection import connect

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Hang guards, not speed checks (how fast this runs belongs in benchmarks): how long to wait
#: for a child to be caught mid-landing, and for the completing rerun to exit.
CATCH_WITHIN_S = 300
RERUN_WITHIN_S = 900
EPHEMERAL = {"commerce": 0, "approval": 0, "stats": 0}
#: Enough pages that landing commits many times and lasts a while under the latency below.
PAGES = {"commerce": {"page_size": 40}, "approval": {"limit": 100}, "stats": {"limit": 100}}
LATENCY = FaultKnobs(latency_s=0.015)

CHILD = f"""
import dataclasses, sys
from hub.config import Settings
from hub.pipeline import run_sync

settings = Settings.from_env()
pages = {PAGES!r}
settings = dataclasses.replace(
    settings,
    **{{name: dataclasses.replace(getattr(settings, name), **fields)
        for name, fields in pages.items()}},
)
sys.exit(0 if run_sync(settings).ok else 1)
"""

#: Columns that say when or in which batch a row was loaded, not what it holds.
BOOKKEEPING = ["raw_id", "batch_id", "received_at", "created_at", "linked_at", "detected_at"]
CORE_TABLES = [
    "core.commerce_projects",
    "core.approval_events",
    "core.land_parcels",
    "core.stats_roster",
    "core.hub_projects",
    "core.project_links",
    "core.project_milestones",
    "core.projects",
    "core.discrepancies",
]
RAW_TABLES = [
    "raw.commerce__projects",
    "raw.approval__events",
    "raw.land__parcels",
    "raw.stats__roster",
]


@pytest.fixture(scope="module")
def large_city():
    return generate_scenario(1500, 3)


def settings_for(departments: SandboxDepartments, url: str, home: Path) -> Settings:
    settings = Settings.from_env(
        {**departments.env(), "HUB_WAREHOUSE_URL": url, "HUB_HOME": str(home)}
    )
    return dataclasses.replace(
        settings,
        **{
            name: dataclasses.replace(getattr(settings, name), **fields)
            for name, fields in PAGES.items()
        },
    )


def count(url: str, table: str) -> int:
    with connect(url) as conn:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]


def start_sync(departments: SandboxDepartments, url: str, home: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        **departments.env(),
        "HUB_WAREHOUSE_URL": url,
        "HUB_HOME": str(home),
        "PYTHONPATH": str(REPO_ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill_while_landing(process: subprocess.Popen, url: str, table: str, total: int) -> int:
    """SIGKILL the sync once ``table`` holds some but not all of its ``total`` rows."""
    deadline = time.monotonic() + CATCH_WITHIN_S
    try:
        while time.monotonic() < deadline:
            landed = count(url, table)
            if 0 < landed < total:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
                return landed
            if process.poll() is not None:
                break
            time.sleep(0.005)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    pytest.fail(f"never caught {table} mid-landing (exit {process.returncode}): {stderr[-2000:]}")


def snapshot(url: str) -> dict[str, list[str]]:
    """Everything the warehouse holds that a rerun must reproduce, as sorted text."""
    drop = "array[" + ", ".join(f"'{c}'" for c in BOOKKEEPING) + "]"
    found: dict[str, list[str]] = {}
    with connect(url) as conn:

        def rows(query: str) -> list[str]:
            return sorted(str(r[0]) for r in conn.execute(query))

        for table in RAW_TABLES:
            found[table] = rows(
                f"select (source_key, content_hash, payload, context, provenance)::text"
                f" from {table}"
            )
        for table in CORE_TABLES:
            found[table] = rows(f"select (to_jsonb(t) - {drop})::text from {table} as t")
        found["core.projects"] = rows(
            f"select (to_jsonb(t) - {drop} - 'updated_at')::text from core.projects as t"
        )
        found["shared.projects"] = rows(
            "select (to_jsonb(t) - 'updated_at')::text from shared.projects as t"
        )
        found["meta.source_state"] = rows(
            "select (source_system, state)::text from meta.source_state"
        )
        found["meta.rejects"] = rows(
            "select (source_system, entity, source_key, reasons, payload, context, provenance,"
            " resolved_at is null)::text from meta.rejects"
        )
    return found


@dataclasses.dataclass
class Outcome:
    crashed: dict[str, list[str]]  # snapshot after two kills and a completing rerun
    clean: dict[str, list[str]]  # snapshot after one uninterrupted sync
    commerce_caught: int  # commerce rows committed when the first run was killed
    stats_caught: int
    rerun_exit: int  # exit status of the run after the two kills (0: every source synced)

    def differing(self, names: list[str]) -> str:
        return "; ".join(
            f"{name}: {len(self.crashed[name])} rows after the crashes, "
            f"{len(self.clean[name])} uninterrupted"
            for name in names
            if self.crashed[name] != self.clean[name]
        )


@pytest.fixture(scope="module")
def outcome(large_city, databases, tmp_path_factory) -> Outcome:
    home = tmp_path_factory.mktemp("crash")
    crashed_url, clean_url = databases.create(), databases.create()
    commerce_total = len(large_city.commerce_records)
    stats_total = sum(len(p.rows) for p in large_city.stats_periods if p.current)

    with SandboxDepartments(
        large_city, home / "land", ports=EPHEMERAL, faults=LATENCY
    ) as departments:
        first = start_sync(departments, crashed_url, home / "crashed")
        commerce_caught = kill_while_landing(
            first, crashed_url, "raw.commerce__projects", commerce_total
        )
        with connect(crashed_url) as conn:  # the watermark moves only with a complete read
            assert conn.execute(
                "select count(*) from meta.source_state where source_system = 'commerce'"
                " and state ? 'updated_since'"
            ).fetchone() == (0,)

        second = start_sync(departments, crashed_url, home / "crashed")
        stats_caught = kill_while_landing(second, crashed_url, "raw.stats__roster", stats_total)
        assert count(crashed_url, "raw.commerce__projects") == commerce_total

        third = start_sync(departments, crashed_url, home / "crashed")
        _, stderr = third.communicate(timeout=RERUN_WITHIN_S)
        assert third.returncode == 0, stderr.decode(errors="replace")[-2000:]

        departments.faults = FaultKnobs()  # the clean run needs no slowing down
        report = run_sync(settings_for(departments, clean_url, home / "clean"))
        assert report.ok, report.failures

    return Outcome(
        crashed=snapshot(crashed_url),
        clean=snapshot(clean_url),
        commerce_caught=commerce_caught,
        stats_caught=stats_caught,
        rerun_exit=third.returncode,
    )


def test_the_sync_was_killed_mid_landing_twice(outcome, large_city):
    assert 0 < outcome.commerce_caught < len(large_city.commerce_records)
    assert outcome.stats_caught > 0
    assert outcome.rerun_exit == 0  # the run after the two kills synced every source


def test_after_the_crashes_raw_and_state_equal_an_uninterrupted_sync(outcome):
    names = [*RAW_TABLES, "meta.source_state"]
    assert not outcome.differing(names), outcome.differing(names)


def test_after_the_crashes_core_shared_and_rejects_equal_an_uninterrupted_sync(outcome):
    names = [*CORE_TABLES, "shared.projects", "meta.rejects"]
    assert not outcome.differing(names), outcome.differing(names)
