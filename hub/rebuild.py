"""`hub rebuild`: recompute core and shared from raw, the audit trail.

Raw is append-only and every merged batch is recorded, so replaying the merges in their
original order must give exactly what the incremental path gave; links and hub project ids
are kept (they are the hub's own decisions, not derived from one sync), so ids stay stable.
Use it after a fix to merge or lifecycle logic, or to prove the incremental path right.
"""

from __future__ import annotations

from psycopg import sql

from hub.config import Settings
from hub.sources import departments
from hub.warehouse.connection import connect, fetch_dicts, run_sql_file
from hub.warehouse.locks import warehouse_lock


def rebuild_core(warehouse_url: str) -> dict[str, int]:
    """Replay every merged batch of every source into emptied core tables (one transaction)."""
    replayed: dict[str, int] = {}
    with connect(warehouse_url) as conn, warehouse_lock(conn, "publish"):
        for source in departments():
            source_system = source.source_system
            run_sql_file(
                conn,
                "core/truncate_source_records.sql",
                core_table=sql.Identifier("core", source.core_table),
            )
            batches = fetch_dicts(conn, "core/merged_batches.sql", {"source_system": source_system})
            # Each batch typed through its view as it is replayed: in one transaction, a
            # typed table per batch would hold a lock per batch until the end.
            view_rows = sql.SQL("(select * from {} where batch_id = %(batch_id)s)").format(
                sql.Identifier("staging", f"stg_{source.name}")
            )
            for batch in batches:
                run_sql_file(
                    conn, source.merge_sql, {"batch_id": batch["batch_id"]}, batch=view_rows
                )
            # As in the pipeline: while a batch is held, the connector state already names
            # what it replaces, and acting on it would unpublish what the hold keeps.
            if source.after_merge_sql and not fetch_dicts(
                conn, "core/held_batches.sql", {"source_system": source_system, "batch_id": ""}
            ):
                run_sql_file(conn, source.after_merge_sql)
            replayed[source_system] = len(batches)
        conn.commit()
    return replayed


def rebuild(settings: Settings) -> dict[str, object]:
    """Rebuild core from raw, then link and publish as a sync does."""
    from hub.pipeline import resolve_and_publish, warehouse_url

    replayed = rebuild_core(warehouse_url(settings))
    # the inputs are as they were: publish anyway, that is what a rebuild is for
    return {"batches_replayed": replayed, "published": resolve_and_publish(settings, force=True)}
