"""The sandbox tier: the simulated departments (hub/sandbox: scenario, servers, fault knobs,
hostile records, name variation) and the connectors against loopback stub departments. Servers
on loopback, never a database: every PostgreSQL connect fails loudly here (``tests/tiers.py``).

Every test collected under this folder is marked ``sandbox`` (``pytest -m sandbox``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.tiers import forbid

TIER = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if TIER in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.sandbox)


@pytest.fixture(autouse=True)
def tier_guard(monkeypatch):
    """Blocks PostgreSQL connects for every sandbox test; yields the attempts (fails if any)."""
    with forbid(monkeypatch, "sandbox", sockets=False, postgres=True) as attempts:
        yield attempts


@pytest.fixture
def start(city, tmp_path):
    """``start(**knobs)``: a sandbox of the test's own, serving the module's ``city``
    scenario on ephemeral ports with those fault knobs; stopped after the test."""
    from hub.sandbox import FaultKnobs, SandboxDepartments

    opened = []

    def _start(**knobs) -> SandboxDepartments:
        departments = SandboxDepartments(
            city,
            tmp_path / f"land{len(opened)}",
            ports={"commerce": 0, "approval": 0, "stats": 0},
            faults=FaultKnobs(**knobs),
        )
        departments.start()
        opened.append(departments)
        return departments

    yield _start
    for departments in opened:
        departments.stop()


def approval_token(departments) -> str:
    """A bearer token from a sandbox's approval bureau (its default client credentials)."""
    import requests

    form = {
        "grant_type": "client_credentials",
        "client_id": "sandbox-client",
        "client_secret": "sandbox-secret",
    }
    response = requests.post(departments.urls["approval"] + "/oauth/token", data=form, timeout=5)
    return response.json()["access_token"]


@contextmanager
def serving_in_a_process(land_dir: str, truth_path: str, faults: str = "") -> Iterator[list[str]]:
    """``hub.sandbox.serve_forever`` (30 projects, seed 2) in a child process on ephemeral
    ports; yields the eight ``export HUB_SOURCE_…`` lines it printed, then stops it with
    SIGTERM and checks that it exits 0. ``faults``: a ``FaultKnobs(...)`` expression."""
    import os
    import signal
    import subprocess
    import sys

    program = (
        "from hub.sandbox import FaultKnobs, serve_forever; "
        f"serve_forever(30, 2, {land_dir!r}, truth_path={truth_path!r}, "
        "ports={'commerce': 0, 'approval': 0, 'stats': 0}"
        + (f", faults={faults})" if faults else ")")
    )
    process = subprocess.Popen(
        [sys.executable, "-c", program],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = [process.stdout.readline() for _ in range(8)]
        assert all(line.startswith("export HUB_SOURCE_") for line in lines)
        yield lines
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
