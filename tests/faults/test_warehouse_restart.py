"""The warehouse goes away in the middle of a sync's transaction: the sync fails that
department with one clear line (the department, and that the warehouse connection was lost),
and the next sync completes; the invariant holds (``tests/faults/invariant.py``).

(a) A private PostgreSQL cluster (initdb in a temporary folder with the system PostgreSQL 15
    binaries, run as the ``postgres`` OS user when this runs as root) is restarted with
    ``pg_ctl restart -m immediate`` while a sync in a child process is landing commerce:
    some of its pages committed, the next ones in an open transaction.
(b) On the shared test cluster, the backend of a sync landing commerce is terminated with
    ``pg_terminate_backend`` (found in pg_stat_activity of the test's database, in a
    transaction, holding commerce's advisory lock).

The departments are slowed down (sandbox latency) and commerce is read in small pages, so
landing commits many times and lasts long enough to be caught in the middle.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hub.config import DEFAULT_REFERENCE_DIR, Settings
from hub.errors import CONNECTION_LOST
from hub.pipeline import run_sync
from hub.sandbox import FaultKnobs
from hub.warehouse.connection import connect
from hub.warehouse.migrations import upgrade
from tests.faults.invariant import note_fault
from tests.faults.paging import paged

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("HUB_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
#: Hang guards, not speed checks.
CATCH_WITHIN_S = 120
CHILD_WITHIN_S = 300
SCENARIO = {"size": 40, "seed": 11}  # 41 commerce records: 14 pages of 3
PAGES = {"commerce": {"page_size": 3}}
#: Commerce lands for about 14 x 0.2 s, committing about every 0.5 s (landing's cadence).
LATENCY = FaultKnobs(latency_s=0.2)

CHILD = f"""
import dataclasses, json, logging, sys
from hub.config import Settings
from hub.pipeline import run_sync

logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
settings = Settings.from_env()
settings = dataclasses.replace(
    settings,
    **{{name: dataclasses.replace(getattr(settings, name), **fields)
        for name, fields in {PAGES!r}.items()}},
)
sources = tuple(sys.argv[1:]) or None
report = run_sync(settings, sources=sources)
print(json.dumps({{"failures": report.failures, "publish_failure": report.publish_failure}}))
sys.exit(0 if report.ok else 1)
"""


class PrivateCluster:
    """A throw-away PostgreSQL cluster of this test's own, on a free loopback port."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.data = base / "data"
        self.log = base / "server.log"
        self.user = "postgres" if os.geteuid() == 0 else None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def run(self, program: str, *args: str) -> None:
        # output to a file, not a pipe: the server pg_ctl starts would keep a pipe open
        with tempfile.TemporaryFile("w+") as output:
            done = subprocess.run(
                [str(PG_BIN / program), *args],
                stdout=output,
                stderr=subprocess.STDOUT,
                user=self.user,
                cwd=self.base,
                timeout=120,
                check=False,
            )
            output.seek(0)
            if done.returncode != 0:
                raise RuntimeError(f"{program} {' '.join(args)}: {output.read()}")

    def start(self) -> None:
        self.run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )  # fmt: skip
        options = f"-h 127.0.0.1 -p {self.port} -k {self.base} -c fsync=off"
        self.pg_ctl("-l", str(self.log), "-o", options, "start")

    def pg_ctl(self, *args: str) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", *args)

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_warehouse(self, dbname: str = "hub") -> str:
        admin = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'create database "{dbname}"')
        url = self.url(dbname)
        upgrade(url, DEFAULT_REFERENCE_DIR)
        return url


@pytest.fixture
def private_cluster() -> Iterator[PrivateCluster]:
    if not (PG_BIN / "pg_ctl").is_file():
        pytest.skip(f"no PostgreSQL binaries in {PG_BIN} (set HUB_TEST_PG_BIN)")
    base = Path(tempfile.mkdtemp(prefix="hub-faults-pg-"))  # not under /root or pytest's 0700
    cluster = PrivateCluster(base)
    if cluster.user is not None:  # root: the server runs as postgres, as the system one does
        try:
            entry = pwd.getpwnam(cluster.user)
        except KeyError:
            base.rmdir()
            pytest.skip("running as root, and no postgres user to run a private cluster as")
        os.chown(base, entry.pw_uid, entry.pw_gid)
    try:
        cluster.start()
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            try:
                cluster.pg_ctl("-m", "immediate", "stop")
            except Exception as error:  # pragma: no cover - report, go on cleaning
                print(f"could not stop the private cluster: {error}", file=sys.stderr)
        shutil.rmtree(base, ignore_errors=True)


def start_sync(settings: Settings, sandbox, *sources: str) -> subprocess.Popen:
    """A sync of ``sources`` (default: every department) in a child process."""
    env = {
        **os.environ,
        **sandbox.env(),
        "HUB_WAREHOUSE_URL": settings.warehouse_url,
        "HUB_HOME": str(settings.home),
        "PYTHONPATH": str(REPO_ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *sources],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def commerce_landed(url: str) -> int:
    with connect(url) as conn:
        return conn.execute("select count(*) from raw.commerce__projects").fetchone()[0]


def wait_mid_landing(child: subprocess.Popen, url: str, total: int) -> int:
    """Wait until commerce is partly landed (some pages committed, not all); its count."""
    deadline = time.monotonic() + CATCH_WITHIN_S
    while time.monotonic() < deadline and child.poll() is None:
        landed = commerce_landed(url)
        if 0 < landed < total:
            return landed
        time.sleep(0.01)
    child.kill()
    _, stderr = child.communicate(timeout=30)
    pytest.fail(f"never caught commerce mid-landing: {stderr.decode(errors='replace')[-2000:]}")


def finish(child: subprocess.Popen) -> tuple[dict, str]:
    stdout, stderr = child.communicate(timeout=CHILD_WITHIN_S)
    lines = stdout.decode(errors="replace").strip().splitlines()
    return (json.loads(lines[-1]) if lines else {}), stderr.decode(errors="replace")


def terminate_the_sync_backend(url: str, child: subprocess.Popen) -> dict:
    """pg_terminate_backend the session holding commerce's advisory lock, once it is in a
    transaction; what pg_stat_activity said of it."""
    dbname = url.rsplit("/", 1)[1]
    deadline = time.monotonic() + CATCH_WITHIN_S
    with connect(url, autocommit=True) as admin:
        while time.monotonic() < deadline and child.poll() is None:
            terminated = admin.execute(
                "select a.pid, a.state, l.objid, pg_terminate_backend(a.pid)"
                " from pg_stat_activity a join pg_locks l on l.pid = a.pid"
                " where a.datname = %s and l.locktype = 'advisory' and l.granted"
                " and a.state in ('active', 'idle in transaction')"
                " and a.pid <> pg_backend_pid()",
                [dbname],
            ).fetchall()
            if terminated:
                assert len(terminated) == 1, terminated
                pid, state, _, done = terminated[0]
                assert done
                return {"pid": pid, "state": state}
            time.sleep(0.005)
    pytest.fail("never found the sync's backend in a transaction")


def assert_lost_connection_reported(report: dict, stderr: str, exit_code: int) -> str:
    """Commerce failed with one line that names the warehouse connection as lost."""
    assert exit_code == 1, stderr[-3000:]
    reason = report["failures"].get("commerce")
    assert reason, (report, stderr[-3000:])
    assert "\n" not in reason
    assert CONNECTION_LOST in reason, reason  # "<ErrorType>: warehouse connection lost: …"
    logged = [line for line in stderr.splitlines() if "commerce FAILED: " in line]
    assert logged and logged[0].endswith(f"commerce FAILED: {reason}"), logged
    return reason


def cut_off_while_landing(settings, sandbox, cut, *sources: str) -> tuple[dict, str]:
    """A slowed sync of ``sources`` (all if none) in a child; once commerce is partly
    landed, ``cut(child)``; then the child is let finish. Checks that commerce alone failed,
    saying the warehouse connection was lost, with part of it landed; returns the child's
    report and that reason."""
    total = len(sandbox.commerce_records())
    sandbox.faults = LATENCY
    child = start_sync(settings, sandbox, *sources)
    try:
        caught = wait_mid_landing(child, settings.warehouse_url, total)
        cut(child)
        sandbox.faults = FaultKnobs()  # the rest of the sync need not be slow
        report, stderr = finish(child)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    reason = assert_lost_connection_reported(report, stderr, child.returncode)
    left = commerce_landed(settings.warehouse_url)
    assert left < total  # cut off while landing: the rest of commerce never came
    assert set(report["failures"]) == {"commerce"}, report  # the others synced
    print(f"cut off at {caught}/{total} commerce rows committed ({left} kept); {reason}")
    return report, reason


def test_an_immediate_restart_of_the_warehouse_fails_the_department_then_the_rerun_completes(
    private_cluster, sandbox, tmp_path, invariant
):
    settings = paged(
        Settings.from_env(
            {
                **sandbox.env(),
                "HUB_WAREHOUSE_URL": private_cluster.create_warehouse(),
                "HUB_HOME": str(tmp_path / "home"),
            }
        ),
        PAGES,
    )

    def restart(child):
        private_cluster.pg_ctl("-m", "immediate", "restart")
        note_fault("warehouse restarted (-m immediate)")

    # commerce alone: the departments after it would meet the server still starting up
    cut_off_while_landing(settings, sandbox, restart, "commerce")

    rerun = run_sync(settings)
    assert rerun.ok, (rerun.failures, rerun.publish_failure)
    invariant(settings)


def test_a_terminated_backend_fails_the_department_then_the_rerun_completes(
    hub_settings, sandbox, invariant
):
    settings = paged(hub_settings, PAGES)

    def terminate(child):
        terminate_the_sync_backend(settings.warehouse_url, child)
        note_fault("sync backend terminated")

    report, _ = cut_off_while_landing(settings, sandbox, terminate)
    assert report["publish_failure"] is None

    rerun = run_sync(settings)
    assert rerun.ok, (rerun.failures, rerun.publish_failure)
    invariant(settings)
