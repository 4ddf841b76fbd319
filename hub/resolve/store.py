"""Read what resolution needs from core; write the links and review candidates it decides."""

from __future__ import annotations

import json
import logging
import time

import psycopg

from hub.resolve.ids import Resolution, assign_project_ids
from hub.resolve.linking import Candidate, link_records
from hub.resolve.records import RecordKey
from hub.resolve.scope import PublishScope, plan_scope
from hub.warehouse.connection import fetch_dicts, run_sql_file, sql_statement

log = logging.getLogger(__name__)


def resolve_projects(conn: psycopg.Connection, scope: PublishScope | None = None) -> Resolution:
    """Link the records in ``scope`` (``hub.resolve.scope.plan_scope``; every record if None)
    to hub projects and refresh their review candidates, in the caller's transaction.
    meta.published_records then holds what this publish saw."""
    marks = [time.perf_counter()]
    scope = scope if scope is not None else plan_scope(conn, full=True)
    records = scope.records
    marks.append(time.perf_counter())
    linkage = link_records(records, scope.decisions)
    marks.append(time.perf_counter())
    existing: dict[RecordKey, int] = {
        (row["source_system"], row["source_key"]): row["hub_project_id"]
        for row in fetch_dicts(conn, "core/scope_links.sql")
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
    _save_published_records(conn, linkage.name_blocks)
    # What publishing joins next was just rewritten: plans must not go by stale row counts.
    run_sql_file(conn, "core/analyze_resolution.sql")
    marks.append(time.perf_counter())
    steps = ("read", "link", "assign_ids", "write")
    spans = zip(steps, marks[:-1], marks[1:], strict=True)
    resolution.seconds = {step: round(end - start, 2) for step, start, end in spans}
    log.info(
        "resolved %d of the records (%s; %d changed since the last publish) into %d projects"
        " (%s s; %s, %d review candidates)",
        len(records),
        "all" if scope.full else f"incremental, {scope.rounds} rounds",
        scope.records_changed,
        len({link.hub_project_id for link in resolution.links.values()}),
        resolution.seconds,
        linkage.stats,
        len(linkage.candidates),
    )
    return resolution


def _save_published_records(
    conn: psycopg.Connection, name_blocks: dict[RecordKey, list[int]]
) -> None:
    run_sql_file(conn, "core/create_record_name_blocks.sql")
    with conn.cursor() as cur, cur.copy(sql_statement("core/copy_record_name_blocks.sql")) as copy:
        for (source_system, source_key), blocks in name_blocks.items():
            copy.write_row((source_system, source_key, blocks))
    run_sql_file(conn, "core/save_published_records.sql")


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
