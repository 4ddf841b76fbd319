"""Audit one landed batch: run its suite, reject the failing rows, profile the batch.

``audit_batch`` validates one batch of ``staging.stg_<dept>__<entity>`` with the suite
``expectations/suites/<dept>__<entity>.json`` (GX 1.x, ephemeral context), writes every
failing raw row to ``meta.rejects`` with all its reasons, profiles the batch for the
batch-level checks (``expectations.batch_checks``) and records the audit in
``meta.batch_audits`` (with GX's validation result, from which the Data Docs are built).

How it stays fast (all inside PostgreSQL, nothing pulled into Python):

1. The batch is read as its **typed batch** (``hub.warehouse.typed_batches``): its rows
   typed once, through the staging view, into ``meta.typed__<batch id>``, which the merge
   reads too. Every check reads plain typed columns; a value that did not parse is its raw
   text beside a null typed value (``expect_column_values_to_parse_into``).
2. GX validates that table: the expectations as written in the suite, one query or a few
   each, over exactly the batch's rows. GX is the rule engine of record: any expectation GX
   runs on PostgreSQL may be in a suite, built in or ours (``expectations.custom``).
3. The failing rows come from GX's own results (``_collect_failures``): for a column map
   expectation, the ``unexpected_index_query`` GX returns (keyed on ``raw_id``) runs inside
   PostgreSQL into the failures table, on two connections (``expectations.failing_rows``);
   for an ``unexpected_rows_expectation``, its own query over the batch; for one with a
   ``row_condition`` (whose index query GX 1.24 renders without the condition, GX issue
   #11319), GX's ``partial_unexpected_index_list`` of a second run of just the failing
   ones. Per expectation, the rows found must number exactly GX's unexpected count, or
   the audit fails before anything is written.
4. The typed batch outlives the audit: the merge (or, for a held batch, its release) reads
   it and drops it. An audit that fails leaves it for the next attempt.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy
from psycopg import sql
from psycopg.types.json import Jsonb

from expectations import failing_rows
from expectations.suites import load_suite, unexpected_rows_sql
from hub.warehouse.typed_batches import type_batch

# The hub writes batch ids as <source>-<timestamp>-<hex>. GX renders the batch filter into
# SQL text (literal binds in {batch}), so anything else is refused before it gets that far.
BATCH_ID_RE = re.compile(r"[a-z]+-[0-9TZ-]+-[0-9a-f]+")
NAME_RE = re.compile(r"[a-z]+")
# BASIC with no sample values, but with the query that selects every failing row's raw_id:
# counts per expectation and one SQL string each (bench/gx_probe: at 100k rows GX plus
# running its queries costs about what GX plus the old hand-written filters did; listing
# every failing id in the result, COMPLETE with a large partial_unexpected_count, was 35x).
RESULT_FORMAT = {
    "result_format": "BASIC",
    "partial_unexpected_count": 0,
    "unexpected_index_column_names": ["raw_id"],
    "return_unexpected_index_query": True,
}
SQL_DIR = Path(__file__).with_name("sql")


@dataclass(frozen=True)
class AuditResult:
    rows_checked: int
    rows_rejected: int
    reasons_count: dict[str, int]
    success: bool
    validation_result_json: dict[str, Any]
    profile: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    # GX's results of the batch checks' expectations, in their order (batch_checks.check_batch)
    batch_check_results: list[dict[str, Any]] = field(default_factory=list)


def audit_batch(
    engine: sqlalchemy.Engine,
    source_system: str,
    entity: str,
    batch_id: str,
    *,
    data_docs_dir: Path | None = None,
    records_received: int | None = None,
    full: bool = False,
    suite: dict[str, Any] | None = None,
    batch_expectations: list[dict[str, Any]] | None = None,
) -> AuditResult:
    """Validate one batch of ``raw.<source_system>__<entity>`` and record its rejects.

    An audit resolves no older reject: that happens when the batch is merged
    (``resolve_batch_rejects``), so a held batch resolves nothing. ``records_received`` /
    ``full``: what the lander read, kept with the audit for the batch-level checks.
    ``data_docs_dir``: rebuild the Data Docs there. ``suite``: the suite to run (default:
    ``expectations/suites/<source_system>__<entity>.json``). ``batch_expectations``: the
    batch checks' GX expectations (``batch_checks.plan_batch_checks``), run in the same GX
    validation as the suite (one GX run per batch); they reject nothing, and their results
    are returned in ``batch_check_results``.

    Idempotent: auditing the same batch again adds no reject and replaces its audit row.
    Raises ValueError for a malformed batch id or source/entity name, KeyError when there is
    no suite for them, and RuntimeError when an expectation could not be evaluated, names no
    failing rows, or the rows its results name do not number its count (nothing is written
    then).
    """
    started = time.perf_counter()
    if not BATCH_ID_RE.fullmatch(batch_id):
        raise ValueError(f"batch id {batch_id!r} does not match {BATCH_ID_RE.pattern}")
    if not (NAME_RE.fullmatch(source_system) and NAME_RE.fullmatch(entity)):
        raise ValueError(f"bad source/entity {source_system!r}/{entity!r}")
    name = f"{source_system}__{entity}"
    suite = suite if suite is not None else load_suite(name)
    params = {
        "source_system": source_system,
        "entity": entity,
        "batch_id": batch_id,
        "records_received": records_received,
        "full_reread": full,
    }
    identifiers = {"raw_table": sql.Identifier("raw", name)}

    with engine.connect() as connection:
        dbapi = connection.connection.driver_connection  # commits are the runner's own
        cur = _cursor(connection)
        try:
            cur.execute(_sql("plan_parallel"))
            table, rows_checked = type_batch(cur, name, batch_id)
            if rows_checked == 0:  # nothing landed: nothing to check
                cur.execute(
                    _sql("record_audit"), _audit_row(params, 0, 0, {}, {}, True, {}, started)
                )
                dbapi.commit()
                return AuditResult(0, 0, {}, True, {}, {}, time.perf_counter() - started)
            dbapi.commit()  # GX reads the typed batch from its own connections
            typed_batch = sql.Identifier("meta", table)
            cur.execute(_sql("plan_parallel"))  # work_mem for the checks' aggregates

            checks = suite["expectations"]
            extra = list(batch_expectations or [])
            validation = _validate(
                engine, {**suite, "expectations": [*checks, *extra]}, name, table, RESULT_FORMAT
            )
            batch_results = _split_off(validation, len(checks))
            gx_counts = [_unexpected_count(result) for result in validation["results"]]
            cur.execute(_sql("create_failures"))
            _collect_failures(cur, engine, suite, validation, gx_counts, name, table)
            per_check, reasons_count, rows_rejected = _failure_counts(cur)
            profile = _profile(cur, name, typed_batch)
            found = [per_check.get(check_no, 0) for check_no in range(len(gx_counts))]
            if found != gx_counts:
                raise RuntimeError(
                    f"{name} batch {batch_id}: failing rows per expectation differ between GX's "
                    f"counts {gx_counts} and the rows its results name {found}; nothing recorded"
                )
            cur.execute(_sql("insert_rejects").format(**identifiers), params)
            if cur.rowcount:  # the merge's plans read meta.rejects: statistics must be fresh
                cur.execute("select core.refresh_statistics('meta.rejects')")
            cur.execute(
                _sql("record_audit"),
                _audit_row(
                    params,
                    rows_checked,
                    rows_rejected,
                    reasons_count,
                    profile,
                    validation["success"],
                    validation,
                    started,
                ),
            )
            dbapi.commit()
        finally:
            dbapi.rollback()

    if data_docs_dir is not None:
        from expectations.docs import build_data_docs

        build_data_docs(engine, data_docs_dir)

    return AuditResult(
        rows_checked=rows_checked,
        rows_rejected=rows_rejected,
        reasons_count=reasons_count,
        success=validation["success"],
        validation_result_json=validation,
        profile=profile,
        seconds=time.perf_counter() - started,
        batch_check_results=batch_results,
    )


def resolve_batch_rejects(conn: Any, source_system: str, entity: str, typed_batch: str) -> int:
    """Mark resolved the older rejects of every key this (already audited) batch brings a
    newer version of, passing or rejected in its turn (then its own reject is the key's open
    one); for a batch merged after its audit (the pipeline, a released hold).
    ``conn`` is a psycopg connection; the caller commits. ``typed_batch``: the batch's typed
    table in schema meta. Returns the rejects resolved."""
    if not (NAME_RE.fullmatch(source_system) and NAME_RE.fullmatch(entity)):
        raise ValueError(f"bad source/entity {source_system!r}/{entity!r}")
    with conn.cursor() as cur:
        cur.execute(
            _sql("resolve_batch_rejects").format(typed_batch=sql.Identifier("meta", typed_batch)),
            {"source_system": source_system, "entity": entity},
        )
        return cur.rowcount


def _collect_failures(
    cur: Any,
    engine: sqlalchemy.Engine,
    suite: dict[str, Any],
    validation: dict[str, Any],
    gx_counts: list[int],
    name: str,
    table: str,
) -> None:
    """Every failing row of every expectation into ``audit_failures``, from GX's results."""
    typed_batch = sql.Identifier("meta", table)
    conditioned: list[int] = []
    queries: list[sql.Composable] = []
    for check_no, (expectation, result) in enumerate(
        zip(suite["expectations"], validation["results"], strict=True)
    ):
        if not gx_counts[check_no]:
            continue
        reason = expectation["meta"]["reason"]
        if expectation["type"] == "unexpected_rows_expectation":
            query = unexpected_rows_sql(expectation, typed_batch)  # its own query
        elif "row_condition" in expectation["kwargs"]:
            conditioned.append(check_no)
            continue
        else:
            text = (result["result"] or {}).get("unexpected_index_query")
            if not isinstance(text, str):
                raise RuntimeError(
                    f"expectation {expectation['type']} {expectation['kwargs']} names no "
                    "failing rows (not a column map expectation): a suite here checks rows"
                )
            query = sql.SQL(text.strip().rstrip(";"))
        queries.append(
            sql.SQL("select {}, failing.raw_id, {} from ({}) as failing").format(
                sql.Literal(check_no), sql.Literal(reason), query
            )
        )
    failing_rows.collect(cur, engine, queries, prepare=_sql("plan_parallel"))
    if conditioned:
        _collect_conditioned(cur, engine, suite, gx_counts, conditioned, name, table)


def _collect_conditioned(
    cur: Any,
    engine: sqlalchemy.Engine,
    suite: dict[str, Any],
    gx_counts: list[int],
    checks: list[int],
    name: str,
    table: str,
) -> None:
    """Failing rows of expectations with a row_condition: GX 1.24 renders their
    unexpected_index_query without the condition (GX issue #11319), so GX lists their ids
    itself, in a second run of just these (failing, so few) expectations."""
    subset = {
        "name": f"{suite['name']}:row_conditioned",
        "expectations": [suite["expectations"][check_no] for check_no in checks],
    }
    result_format = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": max(gx_counts[check_no] for check_no in checks),
        "unexpected_index_column_names": ["raw_id"],
        "exclude_unexpected_values": True,
        "return_unexpected_index_query": False,
    }
    validation = _validate(engine, subset, name, table, result_format)
    with cur.copy("copy audit_failures (check_no, raw_id, reason) from stdin") as copy:
        for check_no, result in zip(checks, validation["results"], strict=True):
            details = result["result"] or {}
            listed = (
                details.get("partial_unexpected_index_list")
                or details.get("unexpected_index_list")
                or []
            )
            reason = suite["expectations"][check_no]["meta"]["reason"]
            for row in listed:
                # one entry per row, or (exclude_unexpected_values) one per value, its ids
                # in a list
                ids = row["raw_id"] if isinstance(row["raw_id"], list) else [row["raw_id"]]
                for raw_id in ids:
                    copy.write_row((check_no, raw_id, reason))


def _validate(
    engine: sqlalchemy.Engine,
    suite: dict[str, Any],
    name: str,
    table: str,
    result_format: dict[str, Any],
) -> dict[str, Any]:
    """Run the suite on the batch's audit table ``meta.<table>`` (ephemeral GX context)."""
    # imported here, not at module level: GX takes seconds to import (DAG parsing, CLI start)
    from expectations.gxcontext import validate_table

    return validate_table(
        engine,
        suite,
        schema="meta",
        table=table,
        name=f"{name}:{table}",
        result_format=result_format,
    )


def _split_off(validation: dict[str, Any], kept: int) -> list[dict[str, Any]]:
    """Remove the results after the first ``kept`` (the batch checks') from the validation
    result, which then reads as the suite's alone (success, statistics: Data Docs), and
    return them."""
    removed = validation["results"][kept:]
    results = validation["results"] = validation["results"][:kept]
    passed = sum(1 for result in results if result["success"])
    validation["success"] = passed == len(results)
    validation["statistics"] = {
        **validation.get("statistics", {}),
        "evaluated_expectations": len(results),
        "successful_expectations": passed,
        "unsuccessful_expectations": len(results) - passed,
        "success_percent": 100.0 * passed / len(results) if results else None,
    }
    return removed


def _unexpected_count(result: dict[str, Any]) -> int:
    """Rows GX found failing one expectation; an error if GX could not evaluate it."""
    info = result["exception_info"]  # one entry, or one per metric keyed by metric id
    errors = [
        entry.get("exception_message")
        for entry in ([info] if "raised_exception" in info else info.values())
        if entry.get("raised_exception")
    ]
    if errors:
        config = result["expectation_config"]
        raise RuntimeError(
            f"expectation {config['type']} {config['kwargs']} could not be evaluated: {errors}"
        )
    details = result["result"]
    if "observed_value" in details:
        return details["observed_value"]
    if details.get("unexpected_count") is None and not details.get("element_count"):
        return 0  # a row condition left no rows to check: GX reports no count at all
    return details["unexpected_count"]


def _failure_counts(cur: Any) -> tuple[dict[int, int], dict[str, int], int]:
    """(failing rows per check, per reason, total) from the audit_failures table."""
    cur.execute(_sql("failure_counts"))
    per_check: dict[int, int] = {}
    per_reason: dict[str, int] = {}
    total = 0
    for check_no, reason, rows in cur.fetchall():
        if check_no is not None:
            per_check[check_no] = rows
        elif reason is not None:
            per_reason[reason] = rows
        else:
            total = rows
    return per_check, dict(sorted(per_reason.items())), total


def _profile(cur: Any, name: str, typed_batch: sql.Identifier) -> dict[str, Any]:
    """What the batch-level checks compare across batches (expectations.batch_checks)."""
    from expectations.batch_checks import profile_query

    cur.execute(profile_query(name, typed_batch))
    (profile,) = cur.fetchone()
    return profile


def _audit_row(
    params: dict[str, Any],
    rows_checked: int,
    rows_rejected: int,
    reasons: dict[str, int],
    profile: dict[str, Any],
    success: bool,
    validation: dict[str, Any],
    started: float,
) -> dict[str, Any]:
    return {
        **params,
        "rows_checked": rows_checked,
        "rows_rejected": rows_rejected,
        "reasons": Jsonb(reasons),
        "profile": Jsonb(profile),
        "suite_success": success,
        "audit_seconds": round(time.perf_counter() - started, 3),
        # GX's JSON may carry values json cannot write as such (dates, decimals)
        "validation_result": Jsonb(validation, dumps=_dumps) if validation else None,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _cursor(connection: sqlalchemy.Connection) -> Any:
    """A psycopg cursor on the SQLAlchemy connection (in its transaction, if any)."""
    return connection.connection.driver_connection.cursor()


def _sql(name: str) -> sql.SQL:
    return sql.SQL((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))
