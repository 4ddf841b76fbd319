"""What the audit adds to a department's sync (issue 12's target: at most 25 %).

The same records are synced twice per round, into the same emptied tables, alternately:

- **without the audit**: land (``land_stream``), type the batch (``staging.type_batch``, with
  the audit's planner settings, so typing costs what it costs in the audit), merge it
  (``hub.pipeline.merge_batch``, which reads the typed batch and drops it);
- **with the audit**: land, validate as the pipeline does (plan the batch checks,
  ``expectations.runner.audit_batch``, which types the batch and runs GX on it, then decide
  the batch checks), merge it the same way.

The audit's added cost is the second sync's time minus the first's; the target compares it
with the second. A sync's later steps (resolution, publishing) are the same with or without
the audit and are left out, so the share is the larger for it. After the audited sync,
``meta.typed_batches.times_typed`` says how often the typing statement ran for its batch.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from psycopg import sql

from bench import db, payloads, throughput


def _reset(url: str, source_system: str) -> None:
    """Empty what one sync of the source writes, so each sync starts from the same state."""
    from hub.sources import department
    from hub.warehouse.connection import connect

    source = department(source_system)
    with connect(url, autocommit=True) as conn:
        conn.execute("select staging.drop_typed_batches()")
        conn.execute(
            sql.SQL("truncate {}, {}").format(
                sql.Identifier("raw", source.name), sql.Identifier("core", source.core_table)
            )
        )
        for table in ("rejects", "batch_audits", "typed_batches"):
            conn.execute(
                sql.SQL("delete from {} where source_system = %s").format(
                    sql.Identifier("meta", table)
                ),
                (source_system,),
            )


def _type(url: str, name: str, batch_id: str) -> None:
    from expectations.runner import _sql
    from hub.warehouse.connection import connect
    from hub.warehouse.typed_batches import type_batch

    with connect(url) as conn:
        conn.execute(_sql("plan_parallel"))
        type_batch(conn, name, batch_id)
        conn.commit()


def _audit(url: str, source_system: str, entity: str, batch_id: str) -> int:
    """Validation as the pipeline runs it: plan the batch checks, audit (one GX run for the
    suite and the batch checks' expectations), decide the batch checks."""
    from expectations.batch_checks import check_batch, plan_batch_checks
    from expectations.runner import audit_batch
    from hub.warehouse.connection import connect, sqlalchemy_engine

    with connect(url) as conn:
        plan = plan_batch_checks(conn, source_system, entity, batch_id)
        with sqlalchemy_engine(url) as engine:
            audit = audit_batch(
                engine, source_system, entity, batch_id, batch_expectations=plan.expectations
            )
        check_batch(
            conn, source_system, entity, batch_id, plan=plan, gx_results=audit.batch_check_results
        )
        conn.commit()
    return audit.rows_rejected


def _merge(url: str, source_system: str, batch_id: str) -> None:
    from hub.pipeline import merge_batch
    from hub.warehouse.connection import connect

    with connect(url) as conn:
        merge_batch(conn, source_system, batch_id)
        conn.commit()


def sync_once(admin: str, url: str, source_system: str, size: int, *, audited: bool):
    """One sync of ``size`` records; the seconds of each step."""
    from hub.sources import department
    from hub.warehouse.connection import connect
    from hub.warehouse.landing import land_stream

    source = department(source_system)
    _reset(url, source_system)
    db.checkpoint(admin)
    steps: dict[str, Any] = {}
    landed = throughput.landing(url, source_system, size, land_stream)
    batch_id = landed.extra["batch_id"]
    steps["landing"] = landed.seconds
    started = time.perf_counter()
    if audited:
        steps["rows_rejected"] = _audit(url, source_system, source.entity, batch_id)
        steps["audit"] = time.perf_counter() - started
    else:
        _type(url, source.name, batch_id)
        steps["typing"] = time.perf_counter() - started
    started = time.perf_counter()
    _merge(url, source_system, batch_id)
    steps["merge"] = time.perf_counter() - started
    with connect(url) as conn:
        times_typed, typing_seconds = conn.execute(
            "select times_typed, typing_seconds from meta.typed_batches where batch_id = %s",
            (batch_id,),
        ).fetchone()
    steps["times_typed"] = times_typed
    steps["typing_statement"] = float(typing_seconds)
    steps["sync"] = steps["landing"] + steps.get("audit", steps.get("typing", 0)) + steps["merge"]
    return steps


def measure(admin: str, url: str, source_system: str, size: int, repeat: int) -> dict[str, Any]:
    """``repeat`` rounds of (without, with); medians, and the audit's added share."""
    payloads.templates(source_system)
    rounds: dict[str, list[dict[str, Any]]] = {"without_audit": [], "with_audit": []}
    for _ in range(repeat):
        rounds["without_audit"].append(sync_once(admin, url, source_system, size, audited=False))
        rounds["with_audit"].append(sync_once(admin, url, source_system, size, audited=True))
    without = statistics.median(r["sync"] for r in rounds["without_audit"])
    with_audit = statistics.median(r["sync"] for r in rounds["with_audit"])
    added = with_audit - without
    return {
        "records": size,
        "rounds": [
            {mode: {k: round(v, 3) for k, v in runs[i].items()} for mode, runs in rounds.items()}
            for i in range(repeat)
        ],
        "sync_without_audit_seconds": round(without, 3),
        "sync_with_audit_seconds": round(with_audit, 3),
        "audit_added_seconds": round(added, 3),
        "audit_added_share": round(added / with_audit, 4),
        "times_typed": sorted({r["times_typed"] for r in rounds["with_audit"]}),
    }
