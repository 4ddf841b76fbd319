"""Comparing what the warehouse holds, for idempotency, rebuild and equivalence tests."""

from __future__ import annotations

from collections.abc import Iterable

from hub.warehouse.connection import connect

# Every published relation except the run bookkeeping, which a sync is allowed to change:
# shared.sync_status, and the freshness the catalog derives from it (and from the last publish).
SNAPSHOT_EXCLUDES = {"sync_status"}
BOOKKEEPING_COLUMNS = ("last_refreshed_at",)


def schema_snapshot(
    url: str, schema: str, *, skip: Iterable[str] = (), drop_columns: Iterable[str] = ()
) -> dict[str, list[str]]:
    """Every row of every table and view in ``schema`` as text, sorted: equal snapshots =
    identical content. Relations named in ``skip`` are left out; so are the columns named in
    ``drop_columns``, from every relation that has them."""
    skip, drop = set(skip), sorted(drop_columns)
    row = "(to_jsonb(t) - %s::text[])::text" if drop else "t::text"
    with connect(url) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables"
                " where table_schema = %s order by 1",
                (schema,),
            )
        ]
        return {
            name: sorted(
                str(r[0])
                for r in conn.execute(
                    f'select {row} from "{schema}"."{name}" as t', (drop,) if drop else None
                )
            )
            for name in names
            if name not in skip
        }


def shared_snapshot(url: str) -> dict[str, list[str]]:
    """Every row of every shared view as text, sorted: equal snapshots = identical content."""
    return schema_snapshot(url, "shared", skip=SNAPSHOT_EXCLUDES, drop_columns=BOOKKEEPING_COLUMNS)
