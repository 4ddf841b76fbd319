"""Read what resolution needs from core and write the links it decides."""

from __future__ import annotations

import psycopg

from hub.resolve.exact import RecordKey, Resolution, SourceRef, assign_project_ids, group_records
from hub.warehouse.connection import fetch_dicts, run_sql_file, sql_statement


def load_source_refs(conn: psycopg.Connection) -> list[SourceRef]:
    return [SourceRef(**row) for row in fetch_dicts(conn, "core/resolution_inputs.sql")]


def resolve_projects(conn: psycopg.Connection) -> Resolution:
    """Link every current source record to a hub project (in the caller's transaction)."""
    refs = load_source_refs(conn)
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

    resolution = assign_project_ids(group_records(refs), existing, redirects, allocate)

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
    return resolution
