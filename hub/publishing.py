"""Whether there is anything to publish, and whether all of it: fingerprints of what
publishing reads and runs.

Publishing (``hub.pipeline.resolve_and_publish``) recomputes resolution, milestones, stages
and ``core.projects`` from the departments' core tables, the hub's own tables (links, ids,
steward decisions, milestones, projects), the warehouse's SQL and reference data, and the
hub's resolution and lifecycle code. When
none of those changed since the last publish (``meta.publishes``), its result would be the
same, so a sync skips it: a sync that brought nothing new costs what its departments' reads
cost. The fingerprint of a core table is its row count and the sum of its rows' ``xmin``
(the transaction that wrote each row): any insert, update or delete, by a merge or by hand,
moves one of them; a rewrite that keeps the rows (VACUUM FULL) may at worst publish again.

What changed is then told record by record (hub/resolve/scope.py). Only a change of the
code, the warehouse SQL, the reference data, a steward decision or a hand edit of the hub's
own tables (or `hub rebuild`) makes a publish recompute every project
(``full_publish_reason``).
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from psycopg import sql

from hub.config import PROJECT_ROOT
from hub.sources import departments

# The code publishing runs: a change to it publishes again, even with the same data.
CODE = ("hub/resolve", "hub/lifecycle", "sql/core")


# Besides the departments' core tables: what publishing keeps from one publish to the next
# (links and ids are the hub's own decisions), what a steward decides, and what it writes.
HUB_TABLES = (
    "project_links",
    "hub_projects",
    "steward_decisions",
    "project_milestones",
    "projects",
)


def inputs_fingerprint(conn: Any) -> str:
    """The fingerprint of the warehouse as publishing sees it, in ``conn``'s transaction.
    Taken at the start of a publish to compare, and again at its end (its own writes
    included) to keep: what the next sync finds if nothing changes in between."""
    digest = hashlib.sha256()
    tables = [department.core_table for department in departments()] + list(HUB_TABLES)
    for name in tables:
        digest.update(f"{name}:{_table_fingerprint(conn, name)};".encode())
    digest.update(rules_fingerprint(conn).encode())
    return digest.hexdigest()


def _table_fingerprint(conn: Any, name: str) -> str:
    rows, written = conn.execute(
        sql.SQL("select count(*), coalesce(sum(xmin::text::bigint), 0) from {}").format(
            sql.Identifier("core", name)
        )
    ).fetchone()
    return f"{rows}:{written}"


def rules_fingerprint(conn: Any) -> str:
    """What publishing runs, as opposed to what it reads: the warehouse's SQL and reference
    data, and the hub's resolution and lifecycle code. A change publishes everything."""
    (warehouse_sql,) = conn.execute(
        "select md5(coalesce(string_agg(name || '=' || checksum, ';' order by name), ''))"
        " from meta.schema_repeatables"
    ).fetchone()
    return f"{warehouse_sql};{code_fingerprint()}"


def hub_tables_fingerprint(conn: Any) -> str:
    return ";".join(_table_fingerprint(conn, name) for name in HUB_TABLES)


@functools.cache  # the code does not change under a running process
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for folder in CODE:
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".sql"}:
                digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def last_fingerprint(conn: Any) -> str | None:
    row = conn.execute(
        "select inputs_fingerprint from meta.publishes order by publish_id desc limit 1"
    ).fetchone()
    return row[0] if row else None


def full_publish_reason(conn: Any) -> str | None:
    """Why this publish must recompute every project, or None when it may recompute only
    those a change since the last publish touched (hub.resolve.scope). Steward decisions
    are few and may join or part any two records, and a hand edit of the hub's own tables
    could be anywhere: either makes the publish full."""
    last = conn.execute(
        "select code_fingerprint, hub_tables_fingerprint from meta.publishes"
        " order by publish_id desc limit 1"
    ).fetchone()
    if last is None or last[0] is None:
        return "no earlier publish to build on"
    if last[0] != rules_fingerprint(conn):
        return "the code, the warehouse SQL or the reference data changed"
    if last[1] != hub_tables_fingerprint(conn):
        return "a steward decision or the hub's own tables changed since the last publish"
    return None


def snapshot_xmin(conn: Any) -> int:
    """The oldest transaction the caller's snapshot cannot see (as xid8): taken before a
    publish reads anything, so the next publish reads every core row written from it on
    as possibly changed (``hub.resolve.scope.change_horizon``)."""
    (xmin,) = conn.execute(
        "select pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
    ).fetchone()
    return xmin


def record_publish(
    conn: Any,
    fingerprint: str,
    projects: int,
    *,
    full: bool,
    changed: int,
    recomputed: int,
    horizon: int,
) -> None:
    conn.execute(
        "insert into meta.publishes (inputs_fingerprint, projects, code_fingerprint,"
        " hub_tables_fingerprint, scope, records_changed, projects_recomputed, snapshot_xmin)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            fingerprint,
            projects,
            rules_fingerprint(conn),
            hub_tables_fingerprint(conn),
            "full" if full else "incremental",
            changed,
            recomputed,
            horizon,
        ),
    )
