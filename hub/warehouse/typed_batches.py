"""The typed batch: a landed batch typed once, read by the audit and the merge.

``staging.type_batch`` (sql/staging/typed_batches.sql) types a batch through its staging
view into ``meta.typed__<batch id>``, or returns the table already there, and
``meta.typed_batches`` records it (``times_typed``: 1 unless the server restarted or an
upgrade changed the views in between). The merge drops it in its own transaction.
"""

from __future__ import annotations

from typing import Any


def type_batch(cur: Any, name: str, batch_id: str) -> tuple[str, int]:
    """The batch's typed table in schema meta (typed now if there is none to trust) and
    its row count.
    ``cur`` is a psycopg cursor or connection; ``name`` is ``<source_system>__<entity>``."""
    table_name, row_count = cur.execute(
        "select table_name, row_count from staging.type_batch(%(name)s, %(batch_id)s)",
        {"name": name, "batch_id": batch_id},
    ).fetchone()
    return table_name, row_count


def drop_typed_batch(cur: Any, batch_id: str) -> None:
    """Drop the batch's typed table (merged or released: nothing reads it any more)."""
    cur.execute("select staging.drop_typed_batch(%(batch_id)s)", {"batch_id": batch_id})
