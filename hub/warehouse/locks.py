"""Advisory locks: one writer of the warehouse's structure, of a source, or of the publish at
a time. A second `hub sync`, a DAG task and a CLI sync all take the same locks, so they never
interleave on one department or on the publish: the later one waits, and says so."""

from __future__ import annotations

import logging
import zlib
from contextlib import contextmanager

import psycopg

from hub.warehouse.connection import fetch_dicts, run_sql_file

log = logging.getLogger(__name__)


def _lock_key(name: str) -> int:
    return zlib.crc32(f"investment-hub:{name}".encode())


def describe_lock(name: str) -> str:
    """What holding the lock called ``name`` means, for the one who waits."""
    if name.startswith("source:"):
        return f"another sync of {name.removeprefix('source:')}"
    return {"publish": "another publish", "schema": "a migration"}.get(name, name)


def _describe_holder(row: dict) -> str:
    since = row["backend_start"].strftime("%Y-%m-%d %H:%M:%S")
    return f"pid {row['pid']}, {row['application_name'] or 'no application name'}, since {since}"


@contextmanager
def warehouse_lock(conn: psycopg.Connection, name: str = "schema"):
    """Session-level advisory lock, held until the block ends. If another session holds it,
    a warning names that session, and this one waits for it."""
    key = _lock_key(name)
    (taken,) = run_sql_file(conn, "warehouse/advisory_try_lock.sql", {"key": key}).fetchone()
    if not taken:
        holders = fetch_dicts(conn, "warehouse/advisory_lock_holder.sql", {"key": key})
        holder = _describe_holder(holders[0]) if holders else "it was just released"
        log.warning("waiting for %s to finish (%s)", describe_lock(name), holder)
        run_sql_file(conn, "warehouse/advisory_lock.sql", {"key": key})
        log.info("%s finished; going on", describe_lock(name))
    try:
        yield
    finally:
        if not conn.closed:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.rollback()
            run_sql_file(conn, "warehouse/advisory_unlock.sql", {"key": key})
            conn.commit()
