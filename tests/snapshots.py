"""Comparing what the warehouse publishes, for idempotency and rebuild tests."""

from __future__ import annotations

from hub.warehouse.connection import connect

# Every published relation except the run bookkeeping, which a sync is allowed to change.
SNAPSHOT_EXCLUDES = {"sync_status"}


def shared_snapshot(url: str) -> dict[str, list[str]]:
    """Every row of every shared view as text, sorted: equal snapshots = identical content."""
    with connect(url) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables"
                " where table_schema = 'shared' order by 1"
            )
        ]
        return {
            name: sorted(
                str(row) for row in conn.execute(f"select t::text from shared.{name} as t")
            )
            for name in names
            if name not in SNAPSHOT_EXCLUDES
        }
