"""The unit tier: no database and no server.

Every socket connect and every PostgreSQL connect fails loudly here (``tests/tiers.py``), so the
tier stays honest: ``pytest tests/unit`` runs anywhere, with nothing listening. A test that needs
the sandbox departments or another loopback server belongs in ``tests/sandbox``; one that needs
PostgreSQL, in ``tests/integration``.
"""

from __future__ import annotations

import pytest

from tests.tiers import forbid


@pytest.fixture(autouse=True)
def tier_guard(monkeypatch):
    """Blocks connects for every unit test; yields the attempts (the test fails if any)."""
    with forbid(monkeypatch, "unit", sockets=True, postgres=True) as attempts:
        yield attempts
