"""The integration tier: tests that need PostgreSQL (``tests/conftest.py`` makes the throw-away
databases). Every test collected under this folder is marked ``integration`` (``pytest -m
integration``), whether or not its module says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy

TIER = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if TIER in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="module")
def db(databases) -> Iterator[psycopg.Connection]:
    """A throw-away warehouse (hub db upgrade), autocommit: for the SQL functions."""
    url = sqlalchemy.make_url(databases.create())
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(False)) as conn:
        conn.autocommit = True
        yield conn
