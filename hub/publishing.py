"""Whether there is anything to publish: a fingerprint of everything publishing reads.

Publishing (``hub.pipeline.resolve_and_publish``) recomputes resolution, milestones, stages
and ``core.projects`` from the departments' core tables, the hub's own tables (links, ids,
steward decisions, milestones, projects), the warehouse's SQL and reference data, and the
hub's resolution and lifecycle code. When
none of those changed since the last publish (``meta.publishes``), its result would be the
same, so a sync skips it: a sync that brought nothing new costs what its departments' reads
cost. The fingerprint of a core table is its row count and the sum of its rows' ``xmin``
(the transaction that wrote each row): any insert, update or delete, by a merge or by hand,
moves one of them; a rewrite that keeps the rows (VACUUM FULL) may at worst publish again.
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
        rows, written = conn.execute(
            sql.SQL("select count(*), coalesce(sum(xmin::text::bigint), 0) from {}").format(
                sql.Identifier("core", name)
            )
        ).fetchone()
        digest.update(f"{name}:{rows}:{written};".encode())
    (warehouse_sql,) = conn.execute(
        "select md5(coalesce(string_agg(name || '=' || checksum, ';' order by name), ''))"
        " from meta.schema_repeatables"
    ).fetchone()
    digest.update(f"{warehouse_sql};{code_fingerprint()}".encode())
    return digest.hexdigest()


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


def record_publish(conn: Any, fingerprint: str, projects: int) -> None:
    conn.execute(
        "insert into meta.publishes (inputs_fingerprint, projects) values (%s, %s)",
        (fingerprint, projects),
    )
