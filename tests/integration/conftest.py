"""The integration tier: tests that need PostgreSQL (``tests/conftest.py`` makes the throw-away
databases). Every test collected under this folder is marked ``integration`` (``pytest -m
integration``), whether or not its module says so."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import sqlalchemy
from psycopg import sql

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


# ------------------------------------------------- hand-built fixtures, straight into core

# core.projects columns a fixture may set; the rest take the defaults below or stay null.
PROJECT_DEFAULTS = {"sources": ["commerce"]}


def insert_projects(conn: psycopg.Connection, projects: list[dict]) -> None:
    """Insert hand-built projects into core.hub_projects + core.projects, as a publish would
    leave them (given/expect tests of the shared views read them back through `shared`).
    Each dict names core.projects columns; ``hub_project_id`` and ``stage`` are required,
    ``stage_zh`` follows the stage and ``project_name`` defaults to 测试项目<id>."""
    from hub.lifecycle import STAGE_ZH

    for given in projects:
        row = {
            **PROJECT_DEFAULTS,
            "project_name": f"测试项目{given['hub_project_id']}",
            "stage_zh": STAGE_ZH[given["stage"]],
            **given,
        }
        conn.execute(
            "insert into core.hub_projects (hub_project_id) values (%s)", [row["hub_project_id"]]
        )
        conn.execute(
            sql.SQL("insert into core.projects ({}) values ({})").format(
                sql.SQL(", ").join(map(sql.Identifier, row)),
                sql.SQL(", ").join(sql.Placeholder() * len(row)),
            ),
            list(row.values()),
        )


def insert_milestones(conn: psycopg.Connection, milestones: list[tuple]) -> None:
    """Insert milestone evidence: (hub_project_id, milestone, occurred_on, source_system,
    source_key) tuples, as sql/core/refresh_milestones.sql would leave them."""
    with conn.cursor() as cur:
        cur.executemany(
            "insert into core.project_milestones"
            " (hub_project_id, milestone, occurred_on, source_system, source_key)"
            " values (%s, %s, %s, %s, %s)",
            milestones,
        )


@contextmanager
def reader_login(warehouse_url: str, role: str, district_code: str | None):
    """A connection as a new login granted ``role`` by `hub access grant` (optionally scoped
    to one district); the login is dropped afterwards."""
    from sqlalchemy.engine import make_url

    from hub.access import grant
    from hub.warehouse.connection import connect, libpq_url

    login = f"t{uuid.uuid4().hex[:8]}_{district_code or 'all'}"
    password = "pw-" + uuid.uuid4().hex[:8]
    grant(warehouse_url, login, role, district_code=district_code, password=password)
    target = make_url(libpq_url(warehouse_url)).set(username=login, password=password)
    try:
        with psycopg.connect(target.render_as_string(hide_password=False)) as conn:
            yield conn
    finally:
        with connect(warehouse_url, autocommit=True) as admin:
            admin.execute(sql.SQL("drop owned by {}").format(sql.Identifier(login)))
            admin.execute(sql.SQL("drop role {}").format(sql.Identifier(login)))
