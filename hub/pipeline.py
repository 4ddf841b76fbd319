"""The steps of one sync, in order. `hub sync` and the Airflow DAG call these same functions.

    ingest(source)          department → raw (COPY) → GX audit → batch checks → core source
                            records (or, when a batch check fails, the batch is held)
    resolve_and_publish()   link records to hub projects → milestones → stage → core.projects
                            (+ core.projects_history) → discrepancies (shared views read
                            these) → core suite, Data Docs
    release_batch(id)       merge a held batch after review (`hub dq release`), then publish

Every step is idempotent: the same input twice changes nothing.

A held batch (expectations/batch_checks.py) stays in raw, unmerged: core and `shared` keep
the last good data, meta.batches.status and shared.sync_status.last_status say 'held' and
shared.sync_status.detail says why. Holding is not a failure: the sync goes on with the
other departments and `hub sync` still exits 0.

A department whose ingest fails — cannot be read, or anything unforeseen (a database error,
an audit error, a bug) — fails only itself: its batch and shared.sync_status say 'failed'
with a one-line, redacted reason (hub/errors.py), `run_sync` reports it and goes on with the
other departments, and publishes them. What the failed batch committed to raw is audited and
merged by the next sync of that department.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from connectors.common.drift import report_schema_drift
from connectors.common.records import SourceRecord, SourceUnavailable
from connectors.common.window import RepullWindow
from hub.config import Settings
from hub.errors import configured_secrets, one_line, redacted_traceback
from hub.lifecycle import Evidence, derive_lifecycle
from hub.progress import PUBLISH, Progress, counted, final_phase
from hub.publishing import (
    full_publish_reason,
    last_fingerprints,
    record_publish,
    snapshot_xmin,
    take_fingerprints,
)
from hub.sources import build_connector, department, departments, source_systems
from hub.steps import StepClock
from hub.warehouse.connection import (
    connect,
    fetch_dicts,
    run_sql_file,
    sql_statement,
    sqlalchemy_engine,
)
from hub.warehouse.landing import land_stream, raw_table
from hub.warehouse.locks import warehouse_lock
from hub.warehouse.statistics import refresh_statistics_if_grown
from hub.warehouse.typed_batches import drop_typed_batch, type_batch
from hub.workers import ingest_in_processes, ingest_one

log = logging.getLogger(__name__)


def new_batch_id(source_system: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{source_system}-{stamp}-{uuid.uuid4().hex[:8]}"


def warehouse_url(settings: Settings) -> str:
    """The configured warehouse, or the embedded one (started on demand) when none is."""
    if settings.warehouse_url:
        return settings.warehouse_url
    from hub.warehouse.embedded import EmbeddedWarehouse

    server = EmbeddedWarehouse(settings.home / "warehouse", port=settings.embedded_port)
    server.start()
    server.ensure_database("hub")
    return server.url("hub")


def ingest(
    settings: Settings,
    source_system: str,
    *,
    full: bool = False,
    clock: StepClock | None = None,
    window: RepullWindow | None = None,
) -> dict[str, Any]:
    """Land, audit and merge one department. Raises SourceUnavailable if it cannot be read.

    ``window`` re-pulls that range of the department (a backfill: land file dates, stats
    periods; ``connectors.common.window``) instead of what is new since its state; checked
    before anything is written: a department that takes no window (or not of that unit), or
    a window with ``full``, raises ValueError.

    The whole ingest holds the source's advisory lock, so a batch still marked 'running'
    when the lock is taken belongs to a sync that died. Whatever such a batch (or a 'failed'
    one) committed to raw is audited and merged first: a rerun's COPY skips those versions
    as already landed, so nothing else would ever bring them into core.

    Whatever goes wrong (any Exception) is re-raised after the batch and the department's
    sync status are marked 'failed' with ``hub.errors.one_line`` of the error: the open
    transaction is rolled back first, and the lock is released before the error leaves.
    The time of each step goes to meta.sync_steps under ``clock``'s run (a new run if None);
    ``clock.progress``, if any, is told each step and the records received while landing.
    """
    if window is not None:
        check_window(settings, source_system, window, full=full)
    url = warehouse_url(settings)
    batch_id = new_batch_id(source_system)
    clock = clock if clock is not None else StepClock()
    recorded = False
    try:
        with connect(url) as conn:
            run_sql_file(
                conn, "core/start_batch.sql", {"batch_id": batch_id, "source_system": source_system}
            )
            conn.commit()
            with warehouse_lock(conn, f"source:{source_system}"):
                try:
                    return _ingest_locked(
                        conn, url, settings, source_system, batch_id, full, clock, window
                    )
                except Exception as error:
                    # Still under the lock, so no other sync of this source sees the batch
                    # 'running' in between; warehouse_lock then unlocks on the way out.
                    recorded = _record_failure(conn, settings, source_system, batch_id, error)
                    raise
    except Exception as error:
        if not recorded:  # the connection broke, or the failure came before the lock
            try:
                with connect(url) as conn:
                    _record_failure(conn, settings, source_system, batch_id, error)
            except Exception as second:
                log.warning(
                    "%s: could not mark batch %s failed: %s",
                    source_system,
                    batch_id,
                    one_line(second, configured_secrets(settings)),
                )
        raise
    finally:
        clock.save(url)


def check_window(
    settings: Settings, source_system: str, window: RepullWindow, *, full: bool = False
) -> None:
    """ValueError unless ``source_system``'s connector re-pulls windows of ``window``'s unit
    (its ``window_unit``) and ``full`` is off."""
    connector = build_connector(settings, source_system)
    try:
        unit = getattr(connector, "window_unit", None)
    finally:
        connector.close()
    if unit is None:
        raise ValueError(
            f"{source_system} takes no re-pull window (a backfill re-pulls land dates or "
            "stats periods); sync it without one"
        )
    if window.unit != unit:
        raise ValueError(
            f"{source_system} re-pulls a window of {unit}s, not of {window.unit}s ({window})"
        )
    if full:
        raise ValueError(
            f"{source_system}: a full resync re-reads everything already; it takes no window"
        )


def _record_failure(
    conn, settings: Settings, source_system: str, batch_id: str, error: BaseException
) -> bool:
    """Mark the batch and the department's sync 'failed' with the error's one line (after
    rolling back whatever the failure left open). False if that could not be done."""
    if conn.closed:
        return False
    try:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
        run_sql_file(
            conn,
            "core/finish_batch_failed.sql",
            {
                "batch_id": batch_id,
                "source_system": source_system,
                "detail": one_line(error, configured_secrets(settings)),
            },
        )
        conn.commit()
        return True
    except Exception:
        if not conn.closed:
            conn.rollback()
        return False


def _ingest_locked(
    conn,
    url: str,
    settings: Settings,
    source_system: str,
    batch_id: str,
    full: bool,
    clock: StepClock,
    window: RepullWindow | None = None,
) -> dict[str, Any]:
    """The ingest proper, run while holding the source's lock (see ``ingest``)."""
    orphans = run_sql_file(
        conn,
        "core/unfinished_batches.sql",
        {"source_system": source_system, "batch_id": batch_id},
        raw_table=raw_table(source_system, department(source_system).entity),
    ).fetchall()
    for orphan_batch_id, orphan_records in orphans:
        log.warning(
            "%s: recovering batch %s left by an interrupted sync",
            source_system,
            orphan_batch_id,
        )
        _audit_and_merge(conn, url, clock, source_system, orphan_batch_id, orphan_records, 0)
    state = _source_state(conn, source_system)
    connector = build_connector(settings, source_system)
    read = (
        connector.read(state, full=full) if window is None else connector.read(state, window=window)
    )
    records = report_schema_drift(read, connector.unknown_fields)
    if clock.progress is not None:
        records = counted(
            records, SourceRecord, lambda received: clock.tell(source_system, "land", received)
        )
    with clock.step("land", source_system=source_system, batch_id=batch_id) as step:
        landed = land_stream(conn, source_system, batch_id, records)
        step.rows = landed.records_received
    scope_of = department(source_system).changed_scope
    changed_periods = scope_of(state, landed.state) if scope_of else None
    incidents = "; ".join(f"{i.kind}: {i.detail}" for i in landed.incidents) or None
    outcome = _audit_and_merge(
        conn,
        url,
        clock,
        source_system,
        batch_id,
        landed.records_received,
        landed.records_new,
        full=full,
        changed_periods=changed_periods,
        incidents=incidents,
    )
    return {
        "source_system": source_system,
        "batch_id": batch_id,
        "records_received": landed.records_received,
        "records_new": landed.records_new,
        "rejected": outcome["rejected"],
        "incidents": len(landed.incidents),
        "status": outcome["status"],
    }


def _audit_and_merge(
    conn,
    url: str,
    clock: StepClock,
    source_system: str,
    batch_id: str,
    received: int,
    new: int,
    *,
    full: bool = False,
    changed_periods: dict[str, Any] | None = None,
    incidents: str | None = None,
) -> dict[str, Any]:
    """Audit a landed batch, run the batch checks, then merge it or hold it."""
    from expectations.batch_checks import check_batch, plan_batch_checks
    from expectations.runner import audit_batch
    from expectations.suites import load_suite_file

    source = department(source_system)
    on_batch = {"source_system": source_system, "batch_id": batch_id}
    plan = plan_batch_checks(conn, source_system, source.entity, batch_id, full=full)
    with clock.step("audit", **on_batch) as step, sqlalchemy_engine(url) as engine:
        audit = audit_batch(
            engine,
            source_system,
            source.entity,
            batch_id,
            records_received=received,
            full=full,
            suite=load_suite_file(source.suite_file),
            batch_expectations=plan.expectations,
        )
        step.rows = audit.rows_checked
    with clock.step("batch_checks", **on_batch):
        checks = check_batch(
            conn,
            source_system,
            source.entity,
            batch_id,
            plan=plan,
            gx_results=audit.batch_check_results,
            changed_periods=changed_periods,
        )
    figures = {
        "batch_id": batch_id,
        "source_system": source_system,
        "received": received,
        "new": new,
        "rejected": audit.rows_rejected,
    }
    if checks.held:
        detail = (
            f"held: {checks.detail} — review with `hub dq`, merge with `hub dq release {batch_id}`"
        )
        log.warning("%s batch %s %s", source_system, batch_id, detail)
        run_sql_file(
            conn,
            "core/finish_batch_held.sql",
            {**figures, "detail": "; ".join(filter(None, [detail, incidents]))},
        )
        conn.commit()
    else:
        with clock.step("merge", **on_batch) as step:
            merge_batch(conn, source_system, batch_id)
            run_sql_file(conn, "core/finish_batch.sql", {**figures, "detail": incidents})
            conn.commit()
            step.rows = audit.rows_checked - audit.rows_rejected
    return {"rejected": audit.rows_rejected, "status": "held" if checks.held else "ok"}


def merge_batch(conn, source_system: str, batch_id: str) -> None:
    """Merge one audited batch into core (same transaction as the caller's bookkeeping)."""
    from expectations.runner import resolve_batch_rejects

    source = department(source_system)
    table, _ = type_batch(conn, source.name, batch_id)
    run_sql_file(conn, source.merge_sql, batch=sql.Identifier("meta", table))
    refresh_statistics_if_grown(conn, f"core.{source.core_table}")
    if source.after_merge_sql:
        # The connector's state already names what a held batch replaces (stats: its
        # revisions); acting on it would drop the published rows the hold is meant to keep.
        others = fetch_dicts(
            conn, "core/held_batches.sql", {"source_system": source_system, "batch_id": batch_id}
        )
        if not others:
            run_sql_file(conn, source.after_merge_sql)
    resolve_batch_rejects(conn, source_system, source.entity, table)
    drop_typed_batch(conn, batch_id)


def release_batch(
    settings: Settings, batch_id: str, *, released_by: str | None = None, note: str | None = None
) -> dict[str, Any]:
    """Merge a held batch after review, then publish. Idempotent: releasing a batch that is
    already merged changes nothing. Raises LookupError for an unknown batch and ValueError
    for one that is neither held nor merged (failed, still running)."""
    import getpass

    url = warehouse_url(settings)
    with connect(url) as conn:
        rows = fetch_dicts(conn, "core/batch_status.sql", {"batch_id": batch_id})
        if not rows:
            raise LookupError(f"no batch {batch_id}")
        source_system, status = rows[0]["source_system"], rows[0]["status"]
        if status == "merged":
            return {"batch_id": batch_id, "source_system": source_system, "released": False}
        if status != "held":
            raise ValueError(f"batch {batch_id} is {status}; only a held batch can be released")
        clock = StepClock()
        with (
            warehouse_lock(conn, f"source:{source_system}"),
            clock.step("merge", source_system=source_system, batch_id=batch_id),
        ):
            merge_batch(conn, source_system, batch_id)
            run_sql_file(
                conn,
                "core/release_batch.sql",
                {
                    "batch_id": batch_id,
                    "released_by": released_by or getpass.getuser(),
                    "note": note,
                },
            )
            conn.commit()
    published = resolve_and_publish(settings, clock=clock)
    return {
        "batch_id": batch_id,
        "source_system": source_system,
        "released": True,
        "published": published,
    }


def _source_state(conn, source_system: str) -> dict[str, Any]:
    rows = fetch_dicts(conn, "core/source_state.sql", {"source_system": source_system})
    return rows[0]["state"] if rows else {}


def resolve_and_publish(
    settings: Settings, *, clock: StepClock | None = None, force: bool = False
) -> dict[str, Any]:
    """Link, derive stages and refresh the merged project record, in one transaction. The
    time of each step goes to meta.sync_steps under ``clock``'s run (a new run if None).
    Skipped when nothing publishing reads changed since the last publish
    (``hub.publishing``), unless ``force``; the result then says ``"unchanged": True``.
    Otherwise only the records a change can relink, and the projects they touch, are
    recomputed (``hub.resolve.scope``), unless ``force`` or ``full_publish_reason``."""
    from hub.resolve.scope import mark_projects_to_publish, plan_scope
    from hub.resolve.store import resolve_projects

    url = warehouse_url(settings)
    clock = clock if clock is not None else StepClock()
    try:
        with connect(url) as conn, warehouse_lock(conn, "publish"):
            with clock.step("inputs"):
                horizon = snapshot_xmin(conn)  # before anything is read
                before, last = take_fingerprints(conn), last_fingerprints(conn)
                unchanged = not force and last is not None and before.inputs == last.inputs
            if unchanged:
                conn.rollback()
                log.info("nothing publishing reads changed since the last publish: skipped")
                return _published_as_is(url)
            with clock.step("statistics"):
                # merged by other processes too (a DAG per department): before any join
                core_tables = (f"core.{d.core_table}" for d in departments())
                refresh_statistics_if_grown(conn, *core_tables)
            with clock.step("changes") as step:
                full = force or full_publish_reason(last, before) is not None
                scope = plan_scope(conn, full=full)
                step.rows = scope.records_changed
            with clock.step("resolve") as step:
                resolution = resolve_projects(conn, scope)
                step.rows = len(scope.records)
                recomputed = mark_projects_to_publish(conn, scope)
            with clock.step("milestones"):
                run_sql_file(conn, "core/refresh_milestones.sql")
                refresh_statistics_if_grown(conn, "core.project_milestones")
            with clock.step("lifecycle") as step:
                lifecycles = _derive_lifecycles(conn)
                _store_lifecycles(conn, lifecycles)
                step.rows = len(lifecycles)
            with clock.step("projects"):
                run_sql_file(conn, "core/refresh_projects.sql")
                refresh_statistics_if_grown(conn, "core.projects")
            with clock.step("history"):
                run_sql_file(conn, "core/record_project_history.sql")
            with clock.step("discrepancies"):
                run_sql_file(conn, "core/refresh_discrepancies.sql")
            (projects,) = conn.execute("select count(*) from core.projects").fetchone()
            # what the next sync will find, this publish's own writes included
            record_publish(
                conn,
                take_fingerprints(conn),
                projects,
                full=scope.full,
                changed=scope.records_changed,
                recomputed=recomputed,
                horizon=horizon,
            )
            conn.commit()
            # still under the publish lock: a second sync's audit would race this one's
            # Data Docs in the same folder, and could audit a core half-way to its publish
            with clock.step("core_audit"):
                if _core_changed_since_audit(settings, url):
                    _check_core_and_build_docs(settings, url)
    finally:
        clock.save(url)
    return {
        "projects": projects,
        "new_projects": len(resolution.new_project_ids),
        "retired_projects": len(resolution.retired),
        "links": len(resolution.links),
        "scope": "full" if scope.full else "incremental",
        "records_changed": scope.records_changed,
        "projects_recomputed": recomputed,
    }


def _published_as_is(url: str) -> dict[str, Any]:
    with connect(url) as conn:
        (projects,) = conn.execute("select count(*) from core.projects").fetchone()
    return {
        "projects": projects,
        "new_projects": 0,
        "retired_projects": 0,
        "links": None,
        "unchanged": True,
    }


def _store_lifecycles(conn, lifecycles: dict[int, Any]) -> None:
    """The derived lifecycles into the temp table project_lifecycle, by COPY."""
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


def _core_changed_since_audit(settings: Settings, url: str) -> bool:
    """False when nothing the core suite and the Data Docs show changed since the last core
    audit (no project version, no non-empty batch audit) and the Data Docs are there, so a
    publish that changed nothing does not import GX for them. True when in doubt."""
    try:
        with connect(url) as conn:
            (changed,) = run_sql_file(conn, "core/core_changed_since_audit.sql").fetchone()
    except psycopg.Error:
        return True
    if not changed and (settings.data_docs_dir / "index.html").is_file():
        log.info("core unchanged since its last check: core suite and Data Docs not rerun")
        return False
    return True


def _check_core_and_build_docs(settings: Settings, url: str) -> None:
    """After publishing: the core suite over core.projects (findings kept in
    meta.core_audits, reported by `hub dq`; nothing is rejected) and the GX Data Docs in
    settings.data_docs_dir. What is published is committed by then, so a failure here is
    logged, not raised: it must not fail the sync."""
    try:
        from expectations.core_audit import audit_core
        from expectations.docs import build_data_docs

        with sqlalchemy_engine(url) as engine:
            core = audit_core(engine)
            if not core.success:
                log.warning("core checks failed: %s", [f["check"] for f in core.errors])
            build_data_docs(engine, settings.data_docs_dir)
    except Exception as error:
        # Not log.exception: a GX or SQLAlchemy error's text may quote the warehouse URL, a
        # statement's parameters or rows; logged redacted, as a failed department is.
        log.error(
            "data-quality checks on core or the Data Docs failed; %s",
            redacted_traceback(error, configured_secrets(settings)),
        )


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
    """What one ``run_sync`` did. ``ingested``: in the order the departments were asked for,
    whichever finished first; ``failures``: department → one-line reason (redacted, at most
    ``hub.errors.MAX_REASON`` characters); ``publish_failure``: the same for publishing."""

    ingested: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    published: dict[str, Any] | None = None
    publish_failure: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failures and self.publish_failure is None


def run_sync(
    settings: Settings,
    *,
    full: bool = False,
    sources: tuple[str, ...] | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
    windows: dict[str, RepullWindow] | None = None,
) -> SyncReport:
    """One complete pass. A department whose ingest fails for any reason (it cannot be read,
    a database error, a bug) is reported and skipped: the others are still ingested and
    published, and earlier data of the failed one stays. A failure to publish is reported
    too. Neither raises (KeyboardInterrupt and SystemExit do); each is logged as one line at
    ERROR, and its traceback, messages redacted, at INFO (`hub -v`).

    ``jobs`` > 1 ingests up to that many departments at once, each in a worker process of
    its own (``hub.workers``; Ctrl-C stops them too), as the Airflow DAG runs one task per
    department; 1 ingests them one after another in this process. Either way publishing runs
    once, after every department, and every step goes to meta.sync_steps under one run id.
    ``progress`` is told each department's phase and records received as they change, then
    the publish's (``hub.progress``).

    ``windows``: department → the range it re-pulls instead of what is new (a backfill,
    ``ingest``'s ``window``); every window is checked first (ValueError, nothing ingested)
    and the departments are then ingested one after another in this process."""
    report = SyncReport()
    secrets = configured_secrets(settings)
    chosen = source_systems() if sources is None else sources
    windows = dict(windows or {})
    for system, window in windows.items():
        if system not in chosen:
            raise ValueError(f"a re-pull window for {system}, which this sync does not read")
        check_window(settings, system, window, full=full)
    clock = StepClock(progress=progress)
    if jobs > 1 and len(chosen) > 1 and not windows:
        outcomes = ingest_in_processes(
            settings, chosen, full=full, jobs=jobs, run_id=clock.run_id, progress=progress
        )
    else:
        outcomes = [
            ingest_one(settings, system, full=full, clock=clock, window=windows.get(system))
            for system in chosen
        ]
    for outcome in outcomes:
        if outcome.failure is None:
            report.ingested.append(outcome.result)
        else:
            report.failures[outcome.source_system] = outcome.failure
    try:
        report.published = resolve_and_publish(settings, clock=clock)
    except Exception as error:
        report.publish_failure = _log_failure("publish", error, secrets)
    clock.tell(PUBLISH, final_phase(report.published))
    return report


def _log_failure(what: str, error: Exception, secrets: tuple[str, ...]) -> str:
    reason = one_line(error, secrets)
    log.error("%s FAILED: %s", what, reason)
    if not isinstance(error, SourceUnavailable):  # expected: its line says all there is
        log.info("%s failure, traceback:\n%s", what, redacted_traceback(error, secrets))
    return reason


def summarize(settings: Settings) -> dict[str, Any]:
    """Projects per stage, records and rejects per source, each department's last sync, the
    latest run's steps, the latest publish and the last day's Airflow alerts (for the demo
    and `hub status`)."""
    url = warehouse_url(settings)
    with connect(url) as conn:
        stages = {r["stage"]: r["projects"] for r in fetch_dicts(conn, "reports/stage_counts.sql")}
        sources = fetch_dicts(conn, "reports/source_counts.sql")
        steps = fetch_dicts(conn, "reports/last_run_steps.sql")
        publishes = fetch_dicts(conn, "reports/last_publish.sql")
        alerts = fetch_dicts(conn, "reports/recent_alerts.sql")
        department_status = fetch_dicts(conn, "reports/department_status.sql")
    return {
        "projects_per_stage": stages,
        "records_per_source": {r["source_system"]: r["records"] for r in sources},
        "rejects_per_source": {r["source_system"]: r["rejected"] for r in sources},
        "last_run_steps": steps,
        "last_publish": publishes[0] if publishes else None,
        "recent_alerts": alerts,
        "department_status": department_status,
    }
