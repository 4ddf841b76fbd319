"""The disk fills while a department lands: that department fails with one clear line (No
space left on device), the others are published, nothing of the failed batch is merged; once
there is room again the next sync completes and the invariant holds
(``tests/faults/invariant.py``).

The full disk is real: a small tmpfs (mounted as root) holds a tablespace of the shared test
cluster, and the stats roster's raw table (its indexes and TOAST too) is moved there, the
tmpfs then shrunk to what the empty table takes plus a few pages, so stats' rows cannot fit.
Growing the tmpfs (``mount -o remount``) makes room. The table is moved back, the tablespace
dropped and the tmpfs unmounted afterwards, whatever happened.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hub.pipeline import run_sync
from hub.warehouse.connection import connect
from tests.conftest import ADMIN_URL
from tests.faults.invariant import note_fault

SCENARIO = {"size": 40, "seed": 11}
DEPARTMENT, RAW_TABLE, CORE_TABLE = "stats", "raw.stats__roster", "core.stats_roster"
#: Room left on the tmpfs beyond the empty table and its indexes: less than stats' rows take.
ROOM = 8 * 1024
GROWN = "64m"


def mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=60)


def used_bytes(path: Path) -> int:
    stat = os.statvfs(path)
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize


def move_table(url: str, tablespace: str) -> None:
    """The raw table, its TOAST and its indexes into ``tablespace``."""
    with connect(url, autocommit=True) as conn:
        conn.execute(f"alter table {RAW_TABLE} set tablespace {tablespace}")
        indexes = conn.execute(
            "select indexrelid::regclass::text from pg_index where indrelid = %s::regclass",
            [RAW_TABLE],
        ).fetchall()
        for (index,) in indexes:
            conn.execute(f"alter index {index} set tablespace {tablespace}")


@pytest.fixture
def full_disk(hub_settings) -> Iterator[Path]:
    """RAW_TABLE of ``hub_settings``' warehouse on a tmpfs with ROOM bytes free; yields the
    mount point (``mount -o remount,size=…`` grows it)."""
    if os.geteuid() != 0:
        pytest.skip("a full disk needs a tmpfs mounted, which needs root")
    with psycopg.connect(ADMIN_URL) as admin:
        (data_directory,) = admin.execute("show data_directory").fetchone()
    if not Path(data_directory).is_dir():
        pytest.skip("the test PostgreSQL server is not on this machine: no tablespace here")
    try:
        owner = pwd.getpwnam("postgres")  # the server's user on this machine
    except KeyError:
        pytest.skip("no postgres user here to own the tablespace")
    point = Path(tempfile.mkdtemp(prefix="hub-faults-disk-"))
    options = f"size=1m,mode=0700,uid={owner.pw_uid},gid={owner.pw_gid}"
    mounted = mount("-t", "tmpfs", "-o", options, "tmpfs", str(point))
    if mounted.returncode != 0:
        point.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    tablespace = f"hubtest_full_{uuid.uuid4().hex[:8]}"
    url = hub_settings.warehouse_url
    created = moved = False
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"create tablespace {tablespace} location '{point}'")
        created = True
        move_table(url, tablespace)
        moved = True
        size = used_bytes(point) + ROOM
        shrunk = mount("-o", f"remount,size={size}", str(point))
        assert shrunk.returncode == 0, shrunk.stderr
        yield point
    finally:
        try:
            if moved:
                mount("-o", f"remount,size={GROWN}", str(point))  # room to move out of
                try:
                    move_table(url, "pg_default")
                except psycopg.Error:  # the warehouse must not keep the tablespace alive
                    dbname = url.rsplit("/", 1)[1]
                    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                        admin.execute(f'drop database if exists "{dbname}" with (force)')
            if created:
                with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                    admin.execute(f"drop tablespace if exists {tablespace}")
        finally:
            if subprocess.run(["umount", str(point)], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", str(point)], capture_output=True)
            shutil.rmtree(point, ignore_errors=True)


def count(url: str, query: str) -> int:
    with connect(url) as conn:
        return conn.execute(query).fetchone()[0]


def test_a_full_disk_fails_the_department_landing_there_then_the_next_sync_completes(
    full_disk, hub_settings, sandbox, invariant
):
    url = hub_settings.warehouse_url
    rows = sum(len(p.rows) for p in sandbox.stats_periods() if p.rows)

    report = run_sync(hub_settings)
    note_fault("disk full while landing")

    reason = report.failures.get(DEPARTMENT, "")
    assert set(report.failures) == {DEPARTMENT}, report.failures
    assert "No space left on device" in reason and "\n" not in reason, reason
    assert report.publish_failure is None  # the other three were published
    with connect(url) as conn:
        published = {
            system
            for (system,) in conn.execute("select distinct source_system from core.project_links")
        }
        status = dict(conn.execute("select source_system, status from meta.batches"))
    assert published == {"commerce", "approval", "land"}
    assert status[DEPARTMENT] == "failed"
    landed = count(url, f"select count(*) from {RAW_TABLE}")
    assert landed < rows  # what landing committed before the disk filled, at most
    assert count(url, f"select count(*) from {CORE_TABLE}") == 0  # nothing half-merged
    print(f"disk full: {landed}/{rows} stats rows landed, {reason}")

    grown = mount("-o", f"remount,size={GROWN}", str(full_disk))
    assert grown.returncode == 0, grown.stderr
    rerun = run_sync(hub_settings)
    assert rerun.ok, (rerun.failures, rerun.publish_failure)
    invariant()
