"""`python -m bench --check` in CI: the streaming lander lands exactly what the plain legacy
lander does (fed the storable form of each record), on every case bench/check.py names —
repeats within and across segments, transactions and calls, NULL and odd keys, discards,
savepoint overflow, a connector failing half-way, and payloads PostgreSQL refuses."""

from __future__ import annotations

import pytest

from bench.check import run_checks
from tests.conftest import ADMIN_URL

pytestmark = pytest.mark.integration


def test_the_lander_lands_what_the_legacy_lander_does(capsys):
    ok = run_checks(ADMIN_URL)
    assert ok, capsys.readouterr().out
