"""The steps of one sync, in order. `hub sync` and the Airflow DAG call these same functions.

    ingest(source)          department → raw (COPY) → GX audit → core source records
    resolve_and_publish()   link records to hub projects → milestones → stage → core.projects
                            → discrepancies (shared views read these)

Every step is idempotent: the same input twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from connectors.common.drift import report_schema_drift
from connectors.common.records import SourceUnavailable
from hub.config import SOURCE_SYSTEMS, Settings
from hub.lifecycle import Evidence, derive_lifecycle
from hub.sources import SOURCES, build_connector
from hub.warehouse.connection import (
    connect,
    fetch_dicts,
    run_sql_file,
    sql_statement,
    sqlalchemy_engine,
)
from hub.warehouse.landing import land_stream
from hub.warehouse.locks import warehouse_lock

log = logging.getLogger(__name__)


def new_batch_id(source_system: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{source_system}-{stamp}-{uuid.uuid4().hex[:8]}"


def warehouse_url(settings: Settings) -> str:
    """The configured warehouse, or the embedded one (started on demand) when none is."""
    if settings.warehouse_url:
        return settings.warehouse_url
    from hub.warehouse.embedded import EmbeddedWarehouse

    server = EmbeddedWarehouse(settings.home / "warehouse")
    server.start()
    server.ensure_database("hub")
    return server.url("hub")


def ingest(settings: Settings, source_system: str, *, full: bool = False) -> dict[str, Any]:
    """Land, audit and merge one department. Raises SourceUnavailable if it cannot be read."""
    source = SOURCES[source_system]
    url = warehouse_url(settings)
    batch_id = new_batch_id(source_system)
    with connect(url) as conn:
        run_sql_file(
            conn, "core/start_batch.sql", {"batch_id": batch_id, "source_system": source_system}
        )
        conn.commit()
        try:
            with warehouse_lock(conn, f"source:{source_system}"):
                state = _source_state(conn, source_system)
                connector = build_connector(settings, source_system)
                records = report_schema_drift(
                    connector.read(state, full=full), connector.unknown_fields
                )
                landed = land_stream(conn, source_system, batch_id, records)
        except SourceUnavailable as error:
            run_sql_file(
                conn,
                "core/finish_batch_failed.sql",
                {"batch_id": batch_id, "source_system": source_system, "detail": str(error)},
            )
            conn.commit()
            raise

    with sqlalchemy_engine(url) as engine:
        from expectations.runner import audit_batch

        audit = audit_batch(
            engine, source_system, source.entity, batch_id, data_docs_dir=settings.data_docs_dir
        )

    with connect(url) as conn:
        run_sql_file(conn, source.merge_sql, {"batch_id": batch_id})
        if source_system == "stats":
            run_sql_file(conn, "core/prune_stats_periods.sql")
        incidents = "; ".join(f"{i.kind}: {i.detail}" for i in landed.incidents) or None
        run_sql_file(
            conn,
            "core/finish_batch.sql",
            {
                "batch_id": batch_id,
                "source_system": source_system,
                "received": landed.records_received,
                "new": landed.records_new,
                "rejected": audit.rows_rejected,
                "detail": incidents,
            },
        )
        conn.commit()
    return {
        "source_system": source_system,
        "batch_id": batch_id,
        "records_received": landed.records_received,
        "records_new": landed.records_new,
        "rejected": audit.rows_rejected,
        "incidents": len(landed.incidents),
        "status": "ok",
    }


def _source_state(conn, source_system: str) -> dict[str, Any]:
    rows = fetch_dicts(conn, "core/source_state.sql", {"source_system": source_system})
    return rows[0]["state"] if rows else {}


def resolve_and_publish(settings: Settings) -> dict[str, Any]:
    """Link, derive stages and refresh the merged project record, in one transaction."""
    from hub.resolve.store import resolve_projects

    url = warehouse_url(settings)
    with connect(url) as conn, warehouse_lock(conn, "publish"):
        resolution = resolve_projects(conn)
        run_sql_file(conn, "core/refresh_milestones.sql")
        lifecycles = _derive_lifecycles(conn)
        run_sql_file(conn, "core/create_project_lifecycle.sql")
        with (
            conn.cursor() as cur,
            cur.copy(sql_statement("core/copy_project_lifecycle.sql")) as copy,
        ):
            for hub_project_id, lc in sorted(lifecycles.items()):
                dates = lc.milestone_dates
                copy.write_row(
                    (
                        hub_project_id,
                        lc.stage,
                        lc.stage_zh,
                        dates.get("negotiating"),
                        dates.get("signed"),
                        dates.get("landed"),
                        dates.get("under_construction"),
                        dates.get("in_statistics"),
                        dates.get("in_production"),
                        lc.terminated_on,
                        lc.terminated_overruled,
                    )
                )
        run_sql_file(conn, "core/refresh_projects.sql")
        run_sql_file(conn, "core/refresh_discrepancies.sql")
        conn.commit()
    return {
        "projects": len(lifecycles),
        "new_projects": len(resolution.new_project_ids),
        "retired_projects": len(resolution.retired),
        "links": len(resolution.links),
    }


def _derive_lifecycles(conn) -> dict[int, Any]:
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    for row in fetch_dicts(conn, "core/milestone_evidence_for_lifecycle.sql"):
        evidence[row["hub_project_id"]].append(
            Evidence(row["milestone"], row["occurred_on"], row["source_system"])
        )
    derived = {pid: derive_lifecycle(items) for pid, items in evidence.items()}
    return {pid: lc for pid, lc in derived.items() if lc is not None}


@dataclass
class SyncReport:
    ingested: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    published: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.failures


def run_sync(
    settings: Settings, *, full: bool = False, sources: tuple[str, ...] = SOURCE_SYSTEMS
) -> SyncReport:
    """One complete pass. A department that cannot be read is reported and skipped: the
    others are still ingested and published, and earlier data of the failed one stays."""
    report = SyncReport()
    for source_system in sources:
        try:
            report.ingested.append(ingest(settings, source_system, full=full))
        except SourceUnavailable as error:
            log.error("%s", error)
            report.failures[source_system] = str(error)
    report.published = resolve_and_publish(settings)
    return report


def summarize(settings: Settings) -> dict[str, Any]:
    """Projects per stage, records and rejects per source (for the demo and `hub status`)."""
    url = warehouse_url(settings)
    with connect(url) as conn:
        stages = {r["stage"]: r["projects"] for r in fetch_dicts(conn, "reports/stage_counts.sql")}
        sources = fetch_dicts(conn, "reports/source_counts.sql")
    return {
        "projects_per_stage": stages,
        "records_per_source": {r["source_system"]: r["records"] for r in sources},
        "rejects_per_source": {r["source_system"]: r["rejected"] for r in sources},
    }
