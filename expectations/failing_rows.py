"""Run the audit's failing-row queries on two connections, into its ``audit_failures``.

Each query is GX's (its ``unexpected_index_query``, or an unexpected-rows query) and selects
``check_no, raw_id, reason``. GX has already scanned the batch once to count; these queries
are the second scan, and on one connection they use one core (bench/gx_probe: at 100k rows
they took the audit from 1.46–1.64× to 1.92–2.14× of GX alone). So the audit's own
connection and a helper each take the next query from a shared list:

- the audit's connection inserts its rows straight into its temporary ``audit_failures``;
- the helper, which cannot see that table, streams its rows back (a server-side cursor,
  through a bounded queue, so a batch where most rows fail does not fill memory), and the
  audit's connection copies them in once its own share is done.

Any error on either side fails the audit; the helper stops at the next chunk.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy
from psycopg import sql

CHUNK_ROWS = 10_000
QUEUED_CHUNKS = 16
_DONE = object()


def collect(
    cur: Any,
    engine: sqlalchemy.Engine,
    queries: list[sql.Composable],
    *,
    prepare: sql.Composable | None = None,
) -> None:
    """Every row of every query into ``audit_failures`` (the temporary table on ``cur``'s
    connection). ``prepare``: run first on the helper's connection (planner settings)."""
    insert = sql.SQL("insert into audit_failures (check_no, raw_id, reason) {}")
    if len(queries) < 2:
        for query in queries:
            cur.execute(insert.format(query))
        return
    pending = list(reversed(queries))
    lock = threading.Lock()

    def next_query() -> sql.Composable | None:
        with lock:
            return pending.pop() if pending else None

    chunks: queue.Queue[Any] = queue.Queue(maxsize=QUEUED_CHUNKS)
    stop = threading.Event()
    helper = threading.Thread(
        target=_helper, args=(engine, next_query, chunks, stop, prepare), daemon=True
    )
    helper.start()
    try:
        while (query := next_query()) is not None:
            cur.execute(insert.format(query))
        with cur.copy("copy audit_failures (check_no, raw_id, reason) from stdin") as copy:
            while (chunk := chunks.get()) is not _DONE:
                if isinstance(chunk, BaseException):
                    raise RuntimeError(f"failing-row query failed: {chunk}") from chunk
                for row in chunk:
                    copy.write_row(row)
    finally:
        stop.set()
        helper.join()


def _helper(
    engine: sqlalchemy.Engine,
    next_query: Callable[[], sql.Composable | None],
    chunks: queue.Queue[Any],
    stop: threading.Event,
    prepare: sql.Composable | None,
) -> None:
    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    try:
        with engine.connect() as connection:
            dbapi = connection.connection.driver_connection
            try:
                if prepare is not None:
                    dbapi.execute(prepare)
                while not stop.is_set() and (query := next_query()) is not None:
                    with dbapi.cursor(name="failing_rows") as named:
                        named.execute(query)
                        while rows := named.fetchmany(CHUNK_ROWS):
                            if not put(rows):
                                return
            finally:
                dbapi.rollback()
        put(_DONE)
    except BaseException as error:  # handed to the audit's thread, which raises it
        put(error)
