"""Scratch warehouses for a run: ``bench_<stamp>_<hex>`` on the server, migrated, dropped after."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    """BENCH_PG_URL, else HUB_TEST_PG_URL (the test suite's server), else the local cluster."""
    return os.environ.get("BENCH_PG_URL") or os.environ.get("HUB_TEST_PG_URL") or DEFAULT_ADMIN_URL


def warehouse_url(admin: str, dbname: str) -> str:
    """The SQLAlchemy URL of ``dbname`` on the admin URL's server (what the hub takes)."""
    return (
        make_url(admin)
        .set(drivername="postgresql+psycopg", database=dbname)
        .render_as_string(hide_password=False)
    )


@contextmanager
def scratch_warehouse(admin: str, label: str, *, keep: bool = False) -> Iterator[str]:
    """A fresh, migrated warehouse (reference data loaded); dropped on exit unless ``keep``."""
    from hub.config import DEFAULT_REFERENCE_DIR
    from hub.warehouse.migrations import upgrade

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    name = f"bench_{label}_{stamp}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')  # name built above from safe characters
    url = warehouse_url(admin, name)
    try:
        upgrade(url, DEFAULT_REFERENCE_DIR)
        yield url
    finally:
        if keep:
            print(f"# kept scratch database {name}")
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'drop database if exists "{name}" with (force)')


def server_facts(admin: str) -> dict[str, str]:
    """Version and the settings that matter for bulk loading."""
    names = (
        "shared_buffers",
        "work_mem",
        "temp_buffers",
        "maintenance_work_mem",
        "wal_level",
        "synchronous_commit",
        "fsync",
        "max_wal_size",
        "jit",
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        facts = {"server_version": conn.execute("show server_version").fetchone()[0]}
        for name in names:
            facts[name] = conn.execute(f"show {name}").fetchone()[0]  # names are constants
    return facts


def checkpoint(admin: str) -> None:
    """Flush dirty buffers before a timed phase, so phases do not pay for each other's writes."""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("checkpoint")
