"""The fault tier (issue 16): the whole pipeline against sandbox departments and a real
PostgreSQL, with something done to it — a process killed, the warehouse restarted or full,
two syncs at once, a department down, a revision arriving late — each scenario ending on the
one invariant of ``tests/faults/invariant.py``. Every test collected under this folder is
marked ``faults`` and ``integration`` (``pytest -m faults``)."""

from __future__ import annotations

from pathlib import Path

import pytest

TIER = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if TIER in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.integration)


def pytest_terminal_summary(terminalreporter):
    from tests.faults.invariant import TALLY

    if TALLY.checks or TALLY.faults:
        terminalreporter.write_sep("-", "fault suite")
        terminalreporter.write_line(TALLY.line())


@pytest.fixture(scope="module")
def scenario(request):
    """The sandbox's city (tests/conftest.py's, size 120 seed 11), or the one the test module
    asks for in ``SCENARIO`` (``generate_scenario``'s arguments: a smaller city keeps a module
    that checks the invariant many times short)."""
    from hub.sandbox import generate_scenario

    return generate_scenario(**getattr(request.module, "SCENARIO", {"size": 120, "seed": 11}))


@pytest.fixture
def invariant(hub_settings, sandbox, databases):
    """``invariant()`` checks this test's warehouse against one clean sync of its sandbox
    (``tests.faults.invariant.check_invariant``) and returns what it checked."""
    from tests.faults.invariant import check_invariant

    return lambda settings=hub_settings, departments=sandbox: check_invariant(
        settings, departments, databases.create
    )
