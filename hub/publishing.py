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
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from hub.config import PROJECT_ROOT
from hub.sources import departments
from hub.warehouse.connection import run_sql_file

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


@dataclass(frozen=True)
class Fingerprints:
    """Fingerprints of the warehouse as publishing sees it, in one read of each table."""

    inputs: str  # all publishing reads and runs: equal to the last publish's, nothing to do
    hub_tables: str  # the hub's own tables (HUB_TABLES)
    rules: str  # the code, the warehouse SQL and the reference data


def take_fingerprints(conn: Any) -> Fingerprints:
    """In ``conn``'s transaction. Taken at the start of a publish to compare, and again at
    its end (its own writes included) to keep: what the next sync finds if nothing changes
    in between."""
    tables = [department.core_table for department in departments()] + list(HUB_TABLES)
    written = {name: _table_fingerprint(conn, name) for name in tables}
    rules = rules_fingerprint(conn)
    digest = hashlib.sha256()
    for name in tables:
        digest.update(f"{name}:{written[name]};".encode())
    digest.update(rules.encode())
    hub_tables = ";".join(written[name] for name in HUB_TABLES)
    return Fingerprints(digest.hexdigest(), hub_tables, rules)


def _table_fingerprint(conn: Any, name: str) -> str:
    rows, written = conn.execute(
        sql.SQL("select count(*), coalesce(sum(xmin::text::bigint), 0) from {}").format(
            sql.Identifier("core", name)
        )
    ).fetchone()
    return f"{rows}:{written}"


def rules_fingerprint(conn: Any) -> str:
    (warehouse_sql,) = conn.execute(
        "select md5(coalesce(string_agg(name || '=' || checksum, ';' order by name), ''))"
        " from meta.schema_repeatables"
    ).fetchone()
    return f"{warehouse_sql};{code_fingerprint()}"


@functools.cache  # the code does not change under a running process
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for folder in CODE:
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".sql"}:
                digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def last_fingerprints(conn: Any) -> Fingerprints | None:
    """What the last publish kept (None before the first); the parts an older hub did not
    keep are empty, so they differ from any taken now."""
    row = run_sql_file(conn, "core/last_publish_fingerprints.sql").fetchone()
    return Fingerprints(*(part or "" for part in row)) if row else None


def full_publish_reason(last: Fingerprints | None, now: Fingerprints) -> str | None:
    """Why this publish must recompute every project, or None when it may recompute only
    those a change since the last publish touched (hub.resolve.scope). Steward decisions
    are few and may join or part any two records, and a hand edit of the hub's own tables
    could be anywhere: either makes the publish full, as a change of the rules does."""
    if last is None or not last.rules:
        return "no earlier publish to build on"
    if last.rules != now.rules:
        return "the code, the warehouse SQL or the reference data changed"
    if last.hub_tables != now.hub_tables:
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
    fingerprints: Fingerprints,
    projects: int,
    *,
    full: bool,
    changed: int,
    recomputed: int,
    horizon: int,
) -> None:
    run_sql_file(
        conn,
        "core/record_publish.sql",
        {
            "inputs": fingerprints.inputs,
            "projects": projects,
            "rules": fingerprints.rules,
            "hub_tables": fingerprints.hub_tables,
            "scope": "full" if full else "incremental",
            "changed": changed,
            "recomputed": recomputed,
            "horizon": horizon,
        },
    )
