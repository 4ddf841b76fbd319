"""The invariant every fault scenario ends on (issue 16), checked in one place.

After whatever was done to a sync — killed, cut off from its warehouse, run twice at once,
fed a revision late — the warehouse must hold what one clean sync of the same source state
gives, and nothing twice:

1. **No version landed twice**: every raw table holds each (source_key, content_hash) once
   (a keyless land row by its file and line).
2. **No watermark ahead of its data**: each department's saved state covers only what raw
   holds — commerce's ``updated_since`` is a landed ``updated_at`` and every record served at
   or before it is landed; every approval event before the saved cursor is landed; every stats
   period/revision in the state has its rows landed; every land file in the state has its
   rows landed.
3. **shared equals one clean sync**: the same sandbox (faults off) synced once into a new
   warehouse gives every shared relation row for row, with hub project ids named by their
   smallest source record (ids are handed out in the order projects were first seen, which a
   history of changes legitimately reorders) and without the columns that say when a row was
   written. Left out, because they record history a clean sync never saw: projects_history,
   project_id_redirects, the rejects already resolved, sync_status and the catalog's
   freshness. Relations are compared by row count and a digest of their sorted rows, made in
   SQL (the daily stage snapshot alone is ~150k rows at the tests' size); the rows are read
   only to say what differs. The clean sync of one source state is made once per session.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from psycopg import sql

from hub.config import Settings
from hub.pipeline import run_sync
from hub.sandbox import FaultKnobs, SandboxDepartments
from hub.warehouse.connection import connect

RAW_TABLES = {
    "commerce": "raw.commerce__projects",
    "approval": "raw.approval__events",
    "land": "raw.land__parcels",
    "stats": "raw.stats__roster",
}
#: Columns that say when, or in which batch, a shared row was written (not what it holds).
PER_RUN_COLUMNS = (
    "batch_id",
    "received_at",
    "created_at",
    "linked_at",
    "detected_at",
    "updated_at",
    "resolved_at",
    # match_review_queue's id is handed out in the order candidates were made, which a
    # history of syncs legitimately reorders (soak seed 596371: the same three candidates,
    # ids 1, 15, 18 here and 1, 2, 3 after the clean sync)
    "candidate_id",
)
#: shared relations that keep history a clean sync never saw, or run bookkeeping.
HISTORY_RELATIONS = ("projects_history", "project_id_redirects", "sync_status", "catalog")
PROJECT_ID_COLUMNS = ("hub_project_id", "retired_hub_project_id")


class InvariantBroken(AssertionError):
    """The warehouse does not hold what one clean sync of the same source state gives."""


@dataclasses.dataclass
class Checked:
    """What one check looked at (the figures RELIABILITY.md reports)."""

    raw_versions: int
    shared_rows: int
    relations: int


@dataclasses.dataclass
class Tally:
    """What this test session's checks passed on, and the faults the scenarios injected:
    the fault tier prints it at the end of the run (RELIABILITY.md quotes the last one)."""

    checks: int = 0
    raw_versions: int = 0
    shared_rows: int = 0
    faults: Counter = dataclasses.field(default_factory=Counter)

    def line(self) -> str:
        faults = ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults.items())) or "none"
        return (
            f"{self.checks} invariant checks passed over {self.raw_versions:,} raw versions and "
            f"{self.shared_rows:,} shared rows; faults injected: {faults}"
        )


TALLY = Tally()


def note_fault(kind: str, count: int = 1) -> None:
    """Count a fault a scenario injected (for the session's figures)."""
    TALLY.faults[kind] += count


def check_invariant(
    settings: Settings,
    departments: SandboxDepartments,
    clean_warehouse: Callable[[], str],
) -> Checked:
    """Raise InvariantBroken unless the three parts above hold for ``settings``' warehouse.
    ``clean_warehouse()`` makes the empty, migrated warehouse the clean sync goes into."""
    url = settings.warehouse_url
    raw_versions = versions_landed_once(url)
    watermarks_not_ahead(url, departments)
    expected = clean_sync_snapshot(settings, departments, clean_warehouse)
    found = comparable_shared(url)
    if found != expected:
        clean_url = _CLEAN_URLS[source_fingerprint(departments)]
        raise InvariantBroken(
            f"shared differs from one clean sync: {_differences(url, clean_url, found, expected)}"
        )
    checked = Checked(
        raw_versions=raw_versions,
        shared_rows=sum(rows for rows, _ in found.values()),
        relations=len(found),
    )
    TALLY.checks += 1
    TALLY.raw_versions += checked.raw_versions
    TALLY.shared_rows += checked.shared_rows
    return checked


def _differences(url: str, clean_url: str, found: dict, expected: dict) -> dict[str, str]:
    differing = {}
    for name in sorted(found.keys() | expected.keys()):
        if found.get(name) == expected.get(name):
            continue
        if name not in found or name not in expected:
            differing[name] = "only here" if name in found else "only after the clean sync"
            continue
        here, clean = set(comparable_rows(url, name)), set(comparable_rows(clean_url, name))
        differing[name] = (
            f"{len(here - clean)} rows only here, {len(clean - here)} only after the clean sync"
        )
    return differing


def versions_landed_once(url: str) -> int:
    """The number of raw versions, after checking none is there twice."""
    total = 0
    with connect(url) as conn:
        for table in RAW_TABLES.values():
            rows, distinct = conn.execute(
                "select count(*), count(distinct (coalesce(source_key,"
                f" provenance::text), content_hash)) from {table}"
            ).fetchone()
            if rows != distinct:
                raise InvariantBroken(f"{table}: {rows - distinct} versions landed twice")
            total += rows
    return total


def watermarks_not_ahead(url: str, departments: SandboxDepartments) -> None:
    with connect(url) as conn:
        states = dict(conn.execute("select source_system, state from meta.source_state"))
        landed = {system: _landed(conn, table, system) for system, table in RAW_TABLES.items()}
    problems = [
        problem
        for check in (_commerce_ahead, _approval_ahead, _stats_ahead, _land_ahead)
        for problem in check(states, landed, departments)
    ]
    if problems:
        raise InvariantBroken("watermark ahead of its data: " + "; ".join(problems[:10]))


def _landed(conn, table: str, system: str) -> set[tuple]:
    """What identifies a landed version, per department."""
    query = {
        "commerce": "select source_key, payload ->> 'updated_at' from {t}",
        "approval": "select source_key from {t}",
        "stats": "select distinct context ->> 'period', (context ->> 'revision')::int from {t}",
        "land": "select distinct provenance ->> 'file' from {t}",
    }[system]
    return set(conn.execute(query.format(t=table)).fetchall())


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _commerce_ahead(states, landed, departments) -> list[str]:
    mark = (states.get("commerce") or {}).get("updated_since")
    if mark is None:
        return []
    landed_times = [_instant(t) for _, t in landed["commerce"] if t]
    if not landed_times or max(landed_times) < _instant(mark):
        return [f"commerce updated_since {mark} is past every landed updated_at"]
    return [
        f"commerce {r['project_no']}@{r['updated_at']} is served before the watermark, not landed"
        for r in departments.commerce_records()
        if _instant(r["updated_at"]) <= _instant(mark)
        and (r["project_no"], r["updated_at"]) not in landed["commerce"]
    ]


def _approval_ahead(states, landed, departments) -> list[str]:
    cursor = (states.get("approval") or {}).get("after")
    before = departments.approval_cursor_position(cursor) if cursor else 0
    return [
        f"approval event {e['event_id']} lies before the saved cursor, not landed"
        for e in departments.approval_events()[:before]
        if (e["event_id"],) not in landed["approval"]
    ]


def _stats_ahead(states, landed, departments) -> list[str]:
    periods = (states.get("stats") or {}).get("periods", {})
    with_rows = {
        (p.period, p.revision) for p in departments.stats_periods(include_superseded=True) if p.rows
    }
    return [
        f"stats {period} revision {entry['revision']} is in the state, its rows are not landed"
        for period, entry in periods.items()
        if (period, entry["revision"]) in with_rows
        and (period, entry["revision"]) not in landed["stats"]
    ]


def _land_ahead(states, landed, departments) -> list[str]:
    files = (states.get("land") or {}).get("files", {})
    with_rows = {d.name for d in departments.land_deliveries() if d.rows}
    return [
        f"land file {name} is in the state, its rows are not landed"
        for name in files
        if name in with_rows and (name,) not in landed["land"]
    ]


#: Clean-sync digests by the departments' content: scenarios that end on the same source
#: state (each SIGKILL phase, say) sync it cleanly once.
_CLEAN_SYNCS: dict[str, dict[str, tuple[int, str]]] = {}
_CLEAN_URLS: dict[str, str] = {}  # where each was synced, to tell what differs


def clean_sync_snapshot(
    settings: Settings, departments: SandboxDepartments, clean_warehouse: Callable[[], str]
) -> dict[str, tuple[int, str]]:
    """``comparable_shared`` of one fault-free sync of the same departments into a new
    warehouse from ``clean_warehouse()`` (remembered for the session by what they serve)."""
    served = source_fingerprint(departments)
    if served in _CLEAN_SYNCS:
        return _CLEAN_SYNCS[served]
    url = clean_warehouse()
    knobs = departments.faults
    departments.faults = FaultKnobs()
    try:
        clean = dataclasses.replace(
            settings, warehouse_url=url, home=Path(settings.home) / "clean-sync"
        )
        report = run_sync(clean)
        if not report.ok:
            raise InvariantBroken(f"the clean sync itself failed: {report.failures}")
    finally:
        departments.faults = knobs
    _CLEAN_SYNCS[served] = comparable_shared(url)
    _CLEAN_URLS[served] = url
    return _CLEAN_SYNCS[served]


def source_fingerprint(departments: SandboxDepartments) -> str:
    """A digest of everything the departments serve now (hostile records included)."""
    served = [
        departments.commerce_records(),
        departments.approval_events(),
        [(p.period, p.revision, p.closed, p.rows) for p in departments.stats_periods()],
        [(d.name, d.content.hex(), d.done) for d in departments.land_deliveries()],
        [dataclasses.astuple(r) for r in departments.hostile_records()],
    ]
    text = json.dumps(served, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def comparable_shared(url: str) -> dict[str, tuple[int, str]]:
    """Every shared relation but the history ones: its row count and a digest of its rows
    in the comparable form (``_comparable_rows``)."""
    with connect(url) as conn:
        return {
            name: conn.execute(
                sql.SQL(
                    "select count(*), md5(coalesce(string_agg(r, e'\\n' order by r), ''))"
                    " from ({}) as rows (r)"
                ).format(query)
            ).fetchone()
            for name, query in _comparable_rows(conn).items()
        }


def comparable_rows(url: str, name: str) -> list[str]:
    """The rows of one shared relation in the comparable form, sorted (to say what differs)."""
    with connect(url) as conn:
        query = _comparable_rows(conn)[name]
        return sorted(r for (r,) in conn.execute(query))


def _comparable_rows(conn) -> dict[str, sql.Composed]:
    """Per shared relation (history ones left out), a query of its rows as jsonb text without
    the per-run columns, each hub project id replaced by its project's smallest source record
    (``commerce:…``) — the same in any warehouse that holds the same projects."""
    columns: dict[str, set[str]] = {}
    for name, column in conn.execute(
        "select c.table_name, c.column_name from information_schema.columns c"
        " where c.table_schema = 'shared'"
    ):
        columns.setdefault(name, set()).add(column)
    queries = {}
    for name in sorted(set(columns) - set(HISTORY_RELATIONS)):
        ids = [c for c in PROJECT_ID_COLUMNS if c in columns[name]]
        named = sql.SQL("").join(
            sql.SQL(
                " || case when t.{c} is null then '{{}}'::jsonb else jsonb_build_object({k},"
                " coalesce((select min(l.source_system || ':' || l.source_key)"
                " from core.project_links l where l.hub_project_id = t.{c}),"
                " 'unlinked project ' || t.{c})) end"
            ).format(c=sql.Identifier(c), k=sql.Literal(c))
            for c in ids
        )
        where = sql.SQL(" where not t.is_resolved" if name == "rejected_records" else "")
        queries[name] = sql.SQL(
            "select ((to_jsonb(t) - {drop}::text[]){named})::text from shared.{name} as t{where}"
        ).format(
            drop=sql.Literal(list(PER_RUN_COLUMNS)),
            named=named,
            name=sql.Identifier(name),
            where=where,
        )
    return queries


def interleaved_runs(url: str) -> list[tuple[str, str, str]]:
    """(department or 'publish', run id, run id) for every two runs whose work on one
    department, or on the publish, overlapped in time: each run's span there runs from its
    first step's start to its last step's end (meta.sync_steps). Empty when runs took turns."""
    with connect(url) as conn:
        return conn.execute(
            """
            with spans as (
                select run_id, coalesce(source_system, 'publish') as holder,
                       min(started_at) as began,
                       max(started_at + seconds * interval '1 second') as ended
                from meta.sync_steps
                group by 1, 2
            )
            select a.holder, a.run_id, b.run_id
            from spans as a
            join spans as b
              on a.holder = b.holder and a.run_id < b.run_id
             and a.began < b.ended and b.began < a.ended
            """
        ).fetchall()
