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
   freshness.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

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
    expected = clean_sync_snapshot(settings, departments, clean_warehouse())
    found = comparable_shared(url)
    differing = {
        name: f"{len(set(found.get(name, [])) - set(rows))} rows only here, "
        f"{len(set(rows) - set(found.get(name, [])))} only after the clean sync"
        for name, rows in expected.items()
        if found.get(name) != rows
    }
    if differing or found.keys() != expected.keys():
        raise InvariantBroken(f"shared differs from one clean sync: {differing}")
    checked = Checked(
        raw_versions=raw_versions,
        shared_rows=sum(len(rows) for rows in found.values()),
        relations=len(found),
    )
    TALLY.checks += 1
    TALLY.raw_versions += checked.raw_versions
    TALLY.shared_rows += checked.shared_rows
    return checked


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


def clean_sync_snapshot(
    settings: Settings, departments: SandboxDepartments, url: str
) -> dict[str, list[str]]:
    """``comparable_shared`` of one fault-free sync of the same departments into ``url``."""
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
    return comparable_shared(url)


def comparable_shared(url: str) -> dict[str, list[str]]:
    """Every shared relation but the history ones, rows as sorted JSON text, hub project ids
    replaced by their project's smallest source record, per-run columns dropped."""
    with connect(url) as conn:
        names = [
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables"
                " where table_schema = 'shared' order by 1"
            )
            if name not in HISTORY_RELATIONS
        ]
        label = dict(
            conn.execute(
                "select hub_project_id, min(source_system || ':' || source_key)"
                " from core.project_links group by 1"
            )
        )
        found = {}
        for name in names:
            where = " where not is_resolved" if name == "rejected_records" else ""
            rows = conn.execute(
                f"select to_jsonb(t) - %s::text[] from shared.{name} as t{where}",
                [list(PER_RUN_COLUMNS)],
            )
            found[name] = sorted(_canonical(row, label) for (row,) in rows)
    return found


def _canonical(row: dict[str, Any], label: dict[int, str]) -> str:
    for column in PROJECT_ID_COLUMNS:
        if row.get(column) is not None:
            row[column] = label.get(row[column], f"unlinked project {row[column]}")
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


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
