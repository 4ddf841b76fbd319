"""Fixtures of the unit tests that check SQL functions in a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy


@pytest.fixture(scope="module")
def db(databases) -> Iterator[psycopg.Connection]:
    """A throw-away warehouse (hub db upgrade), autocommit."""
    url = sqlalchemy.make_url(databases.create())
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(False)) as conn:
        conn.autocommit = True
        yield conn
