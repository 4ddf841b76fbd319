"""Connections to the warehouse and the reviewed SQL files that run on it."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import contextmanager
from functools import cache
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from sqlalchemy.engine import make_url

from hub.config import SQL_DIR


def libpq_url(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://…`` (what the contract's env var holds) → a libpq URI."""
    url = make_url(sqlalchemy_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(
            f"HUB_WAREHOUSE_URL must be a PostgreSQL URL, got {url.get_backend_name()!r}"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


#: How the hub's sessions show in pg_stat_activity (and to a sync waiting for a lock), unless
#: the warehouse URL names another.
APPLICATION_NAME = "investment-hub"


def connect(sqlalchemy_url: str, *, autocommit: bool = False) -> psycopg.Connection:
    url = make_url(sqlalchemy_url)
    named = {} if "application_name" in url.query else {"application_name": APPLICATION_NAME}
    return psycopg.connect(libpq_url(sqlalchemy_url), autocommit=autocommit, **named)


@contextmanager
def sqlalchemy_engine(sqlalchemy_url: str):
    """A short-lived SQLAlchemy engine (GX wants one); disposed on exit."""
    from sqlalchemy import create_engine

    url = make_url(sqlalchemy_url).set(drivername="postgresql+psycopg")
    engine = create_engine(url, pool_pre_ping=True)
    try:
        yield engine
    finally:
        engine.dispose()


@cache
def sql_text(relative_path: str) -> str:
    """The text of a file under sql/ (cached: files are immutable while the hub runs)."""
    return (SQL_DIR / relative_path).read_text(encoding="utf-8")


def sql_statement(relative_path: str, **identifiers: sql.Composable) -> sql.Composed | sql.SQL:
    """A sql/ file as a statement, with ``{name}`` placeholders filled by identifiers."""
    statement = sql.SQL(sql_text(relative_path))  # type: ignore[arg-type]
    return statement.format(**identifiers) if identifiers else statement


def run_sql_file(
    conn: psycopg.Connection,
    relative_path: str,
    params: Mapping[str, Any] | None = None,
    **identifiers: sql.Composable,
) -> psycopg.Cursor:
    """Execute one reviewed SQL file; values go as bound parameters, never formatted in."""
    return conn.execute(sql_statement(relative_path, **identifiers), params)


def fetch_dicts(
    conn: psycopg.Connection, relative_path: str, params: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql_statement(relative_path), params)
        return cur.fetchall()
