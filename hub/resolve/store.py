"""Read what resolution needs from core; write the links and review candidates it decides."""

from __future__ import annotations

import json
import logging
import time

import psycopg

from hub.resolve.ids import Resolution, assign_project_ids
from hub.resolve.linking import Candidate, StewardDecision, link_records
from hub.resolve.records import MatchRecord, RecordKey
from hub.warehouse.connection import fetch_dicts, run_sql_file, sql_statement

log = logging.getLogger(__name__)


def load_match_records(conn: psycopg.Connection) -> list[MatchRecord]:
    with conn.cursor() as cur:
        cur.execute(sql_statement("core/resolution_inputs.sql"))
        return [MatchRecord(*row) for row in cur]


def load_decisions(conn: psycopg.Connection) -> list[StewardDecision]:
    with conn.cursor() as cur:
        cur.execute(sql_statement("core/steward_decisions.sql"))
        return [StewardDecision((s, k), (ts, tk), accept) for s, k, ts, tk, accept in cur]


def resolve_projects(conn: psycopg.Connection) -> Resolution:
    """Link every current source record to a hub project and refresh the review candidates
    (in the caller's transaction)."""
    marks = [time.perf_counter()]
    records = load_match_records(conn)
    decisions = load_decisions(conn)
    marks.append(time.perf_counter())
    linkage = link_records(records, decisions)
    marks.append(time.perf_counter())
    existing: dict[RecordKey, int] = {
        (row["source_system"], row["source_key"]): row["hub_project_id"]
        for row in fetch_dicts(conn, "core/current_links.sql")
    }
    redirects = {
        row["hub_project_id"]: row["retired_into"]
        for row in fetch_dicts(conn, "core/project_redirects.sql")
    }

    def allocate(n: int) -> list[int]:
        return [
            row["hub_project_id"]
            for row in fetch_dicts(conn, "core/allocate_project_ids.sql", {"n": n})
        ]

    resolution = assign_project_ids(linkage.clusters, existing, redirects, allocate)
    marks.append(time.perf_counter())

    run_sql_file(conn, "core/create_resolved_links.sql")
    with conn.cursor() as cur, cur.copy(sql_statement("core/copy_resolved_links.sql")) as copy:
        for (source_system, source_key), link in sorted(resolution.links.items()):
            copy.write_row(
                (
                    source_system,
                    source_key,
                    link.hub_project_id,
                    link.match_method,
                    link.match_score,
                )
            )
    run_sql_file(conn, "core/apply_resolved_links.sql")
    for retired, survivor in sorted(resolution.retired.items()):
        run_sql_file(conn, "core/retire_project.sql", {"retired": retired, "survivor": survivor})
    _store_candidates(conn, linkage.candidates, resolution)
    # What publishing joins next was just rewritten: plans must not go by stale row counts.
    run_sql_file(conn, "core/analyze_resolution.sql")
    marks.append(time.perf_counter())
    steps = ("read", "link", "assign_ids", "write")
    spans = zip(steps, marks[:-1], marks[1:], strict=True)
    resolution.seconds = {step: round(end - start, 2) for step, start, end in spans}
    log.info(
        "resolved %d records into %d projects (%s s; %s, %d review candidates)",
        len(records),
        len({link.hub_project_id for link in resolution.links.values()}),
        resolution.seconds,
        linkage.stats,
        len(linkage.candidates),
    )
    return resolution


def _store_candidates(
    conn: psycopg.Connection, candidates: list[Candidate], resolution: Resolution
) -> None:
    """A candidate names the project its target record is linked to now. When only the
    proposed record's side became a project, the proposal is turned round."""
    run_sql_file(conn, "core/create_candidates.sql")
    seen: set[tuple[str, str, int]] = set()
    with conn.cursor() as cur, cur.copy(sql_statement("core/copy_candidates.sql")) as copy:
        for candidate in candidates:
            record, target = candidate.record, candidate.target
            if target not in resolution.links:
                record, target = target, record
            link = resolution.links.get(target)
            if link is None or (*record, link.hub_project_id) in seen:
                continue
            seen.add((*record, link.hub_project_id))
            copy.write_row(
                (
                    *record,
                    link.hub_project_id,
                    *target,
                    candidate.score,
                    json.dumps(candidate.evidence, ensure_ascii=False),
                )
            )
    run_sql_file(conn, "core/apply_candidates.sql")
