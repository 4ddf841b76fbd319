"""Advisory locks: one writer of the warehouse's structure or of a source at a time."""

from __future__ import annotations

import zlib
from contextlib import contextmanager

import psycopg

from hub.warehouse.connection import run_sql_file


def _lock_key(name: str) -> int:
    return zlib.crc32(f"investment-hub:{name}".encode())


@contextmanager
def warehouse_lock(conn: psycopg.Connection, name: str = "schema"):
    """Session-level advisory lock, held until the block ends (waits if another holds it)."""
    key = _lock_key(name)
    run_sql_file(conn, "warehouse/advisory_lock.sql", {"key": key})
    try:
        yield
    finally:
        if not conn.closed:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.rollback()
            run_sql_file(conn, "warehouse/advisory_unlock.sql", {"key": key})
            conn.commit()
