"""Audit one landed batch: run its suite, reject the failing rows, profile the batch.

``audit_batch`` validates one batch of ``staging.stg_<dept>__<entity>`` with the suite
``expectations/suites/<dept>__<entity>.json`` (GX 1.x, ephemeral context), writes every
failing raw row to ``meta.rejects`` with all its reasons, profiles the batch for the
batch-level checks (``expectations.batch_checks``) and records the audit in
``meta.batch_audits`` (with GX's validation result, from which the Data Docs are built).

How it stays fast (all inside PostgreSQL, nothing pulled into Python):

1. The batch's rows go through the staging view **once**, into an unlogged table of their
   own, ``meta.audit__<batch id>`` (``create table … as``, which PostgreSQL may run in
   parallel; see sql/staging/audit_tables.sql). Every later check reads plain typed
   columns; before, each of ~25 GX queries re-parsed every raw payload through the view.
2. GX validates that table: the expectations as written in the suite, one query or a few
   each, over exactly the batch's rows.
3. Every expectation is also turned into a row filter (``failing_condition``) and all the
   filters run in one pass over the same table; per expectation, the rows found must
   number exactly GX's unexpected count, or the audit fails before anything is written. GX
   reports at most ``partial_unexpected_count`` failing row ids per expectation; this pass
   finds all of them, with no row ids travelling to Python (memory stays flat).
4. The audit table is dropped when the audit ends, whatever happened.
"""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy
from psycopg import sql
from psycopg.types.json import Jsonb

from expectations.suites import load_suite

# The hub writes batch ids as <source>-<timestamp>-<hex>. GX renders the batch filter into
# SQL text (literal binds in {batch}), so anything else is refused before it gets that far.
BATCH_ID_RE = re.compile(r"[a-z]+-[0-9TZ-]+-[0-9a-f]+")
NAME_RE = re.compile(r"[a-z]+")
# unexpected_rows_expectation queries are written in this one form, so the runner can reuse
# their condition; {batch} is the only brace GX substitutes.
ROWS_QUERY_RE = re.compile(
    r"\s*select\s+raw_id\s+from\s+\{batch\}\s+where\s+(?P<condition>[^{}]+?)\s*", re.I | re.S
)
# SUMMARY with no sample values: per expectation GX reports its counts (element, missing,
# unexpected), which the runner checks against its own. Failing rows, values and reasons
# are all in meta.rejects / shared.rejected_records, so GX need not list any: every sample
# GX lists costs one more full scan of the batch for each expectation that passes (with 20
# samples, GX took twice as long on 100,000 rows; COMPLETE, with row ids, three times).
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0}
# GX comparison row conditions the runner can translate (operator → SQL).
COMPARISONS = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
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
) -> AuditResult:
    """Validate one batch of ``raw.<source_system>__<entity>`` and record its rejects.

    An audit resolves no older reject: that happens when the batch is merged
    (``resolve_batch_rejects``), so a held batch resolves nothing. ``records_received`` /
    ``full``: what the lander read, kept with the audit for the batch-level checks.
    ``data_docs_dir``: rebuild the Data Docs there. ``suite``: the suite to run (default:
    ``expectations/suites/<source_system>__<entity>.json``).

    Idempotent: auditing the same batch again adds no reject and replaces its audit row.
    Raises ValueError for a malformed batch id or source/entity name, KeyError when there is
    no suite for them, and RuntimeError when an expectation could not be evaluated or GX and
    the SQL filters disagree (nothing is written then).
    """
    started = time.perf_counter()
    if not BATCH_ID_RE.fullmatch(batch_id):
        raise ValueError(f"batch id {batch_id!r} does not match {BATCH_ID_RE.pattern}")
    if not (NAME_RE.fullmatch(source_system) and NAME_RE.fullmatch(entity)):
        raise ValueError(f"bad source/entity {source_system!r}/{entity!r}")
    name = f"{source_system}__{entity}"
    suite = suite if suite is not None else load_suite(name)
    conditions = [failing_condition(expectation) for expectation in suite["expectations"]]
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
        table = None
        try:
            cur.execute(_sql("plan_parallel"))
            columns = _audit_columns(cur, name, suite)
            cur.execute(
                _sql("type_batch"), {"name": name, "batch_id": batch_id, "columns": columns}
            )
            table, rows_checked = cur.fetchone()
            if rows_checked == 0:  # nothing landed: nothing to check
                cur.execute(
                    _sql("record_audit"), _audit_row(params, 0, 0, {}, {}, True, {}, started)
                )
                dbapi.commit()
                return AuditResult(0, 0, {}, True, {}, {}, time.perf_counter() - started)
            dbapi.commit()  # GX reads the audit table from its own connections
            identifiers["audit_table"] = sql.Identifier("meta", table)
            cur.execute(_sql("plan_parallel"))  # work_mem for the checks' aggregates

            checks = sql.SQL(",\n").join(
                sql.SQL("case when {} then {} end").format(condition, sql.Literal(check_no))
                for check_no, condition in enumerate(conditions)
            )
            reasons = sql.SQL(", ").join(
                sql.Literal(e["meta"]["reason"]) for e in suite["expectations"]
            )
            # GX works from its own connections while this one collects the failing rows
            # and profiles the batch: both only read the audit table.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gx") as pool:
                gx_run = pool.submit(_validate, engine, suite, name, table)
                try:
                    cur.execute(_sql("create_failures"))
                    cur.execute(
                        _sql("collect_failures").format(
                            checks=checks,
                            reasons=reasons,
                            any_check=sql.SQL("\n        or ").join(conditions),
                            **identifiers,
                        )
                    )
                    per_check, reasons_count, rows_rejected = _failure_counts(cur)
                    profile = _profile(cur, name, identifiers["audit_table"])
                except psycopg.Error:
                    # an expectation GX cannot evaluate either is the clearer error
                    dbapi.rollback()
                    for result in gx_run.result()["results"]:
                        _unexpected_count(result)
                    raise
                validation = gx_run.result()
            gx_counts = [_unexpected_count(result) for result in validation["results"]]
            sql_counts = [per_check.get(check_no, 0) for check_no in range(len(conditions))]
            if sql_counts != gx_counts:
                raise RuntimeError(
                    f"{name} batch {batch_id}: failing rows per expectation differ between GX "
                    f"{gx_counts} and SQL {sql_counts}; nothing recorded"
                )
            cur.execute(_sql("insert_rejects").format(**identifiers), params)
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
            if table is not None:
                cur.execute(_sql("clear_work_rows"), {"table": table})
                dbapi.commit()

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
    )


def resolve_batch_rejects(conn: Any, source_system: str, entity: str, batch_id: str) -> int:
    """Mark resolved the older rejects of every key this (already audited) batch brings in a
    passing version; for a batch merged after its audit (the pipeline, a released hold).
    ``conn`` is a psycopg connection; the caller commits. Returns the rejects resolved."""
    name = f"{source_system}__{entity}"
    if not (NAME_RE.fullmatch(source_system) and NAME_RE.fullmatch(entity)):
        raise ValueError(f"bad source/entity {source_system!r}/{entity!r}")
    with conn.cursor() as cur:
        cur.execute(
            _sql("resolve_batch_rejects").format(raw_table=sql.Identifier("raw", name)),
            {"source_system": source_system, "entity": entity, "batch_id": batch_id},
        )
        return cur.rowcount


def failing_condition(expectation: dict[str, Any]) -> sql.Composable:
    """The SQL filter over the batch that selects exactly the rows this expectation fails."""
    kind, kwargs = expectation["type"], dict(expectation["kwargs"])
    if kind == "unexpected_rows_expectation":
        match = ROWS_QUERY_RE.fullmatch(kwargs.pop("unexpected_rows_query"))
        if not match or kwargs:
            raise ValueError(f"write it 'select raw_id from {{batch}} where ...': {expectation}")
        return sql.SQL("(" + match["condition"] + ")")

    column = sql.Identifier(kwargs.pop("column"))
    row_condition = kwargs.pop("row_condition", None)
    if kind == "expect_column_values_to_not_be_null":
        condition = sql.SQL("{} is null").format(column)
    elif kind == "expect_column_values_to_be_null":
        condition = sql.SQL("{} is not null").format(column)
    elif kind == "expect_column_values_to_be_in_set":
        values = sql.SQL(", ").join(map(sql.Literal, kwargs.pop("value_set")))
        condition = sql.SQL("{0} is not null and {0} not in ({1})").format(column, values)
    elif kind == "expect_column_values_to_match_regex":
        regex = sql.Literal(kwargs.pop("regex"))
        condition = sql.SQL("{0} is not null and not ({0} ~ {1})").format(column, regex)
    elif kind == "expect_column_values_to_be_between":
        outside = []
        if (low := kwargs.pop("min_value", None)) is not None:
            op = "<=" if kwargs.pop("strict_min", False) else "<"
            outside.append(sql.SQL("{} " + op + " {}").format(column, sql.Literal(low)))
        if (high := kwargs.pop("max_value", None)) is not None:
            op = ">=" if kwargs.pop("strict_max", False) else ">"
            outside.append(sql.SQL("{} " + op + " {}").format(column, sql.Literal(high)))
        condition = sql.SQL("{} is not null and ({})").format(column, sql.SQL(" or ").join(outside))
    else:
        raise ValueError(f"expectation type {kind!r} is not supported by the runner")
    if kwargs:  # e.g. "mostly": a reject is per row, an expectation may not pass partly
        raise ValueError(f"unsupported arguments {sorted(kwargs)} in {expectation}")
    if row_condition is None:
        return sql.SQL("({})").format(condition)
    return sql.SQL("({} and {})").format(condition, row_condition_sql(row_condition))


def row_condition_sql(row_condition: dict[str, Any]) -> sql.Composable:
    """A GX row condition as SQL: a comparison (``== != < <= > >=`` with a value), a
    nullity test, or an ``and`` of those — the forms GX 1.x renders the same way."""
    kind = row_condition.get("type")
    if kind == "and" and row_condition.get("conditions"):
        parts = [row_condition_sql(part) for part in row_condition["conditions"]]
        return sql.SQL("({})").format(sql.SQL(" and ").join(parts))
    if kind not in ("nullity", "comparison") or "name" not in row_condition.get("column", {}):
        raise ValueError(f"row_condition {row_condition} is not supported by the runner")
    column = sql.Identifier(row_condition["column"]["name"])
    if kind == "nullity":
        test = "is null" if row_condition["is_null"] else "is not null"
        return sql.SQL("{} " + test).format(column)
    operator = COMPARISONS.get(row_condition.get("operator"))
    if kind != "comparison" or operator is None or row_condition.get("parameter") is None:
        raise ValueError(f"row_condition {row_condition} is not supported by the runner")
    return sql.SQL("{} " + operator + " {}").format(column, sql.Literal(row_condition["parameter"]))


def _audit_columns(cur: Any, name: str, suite: dict[str, Any]) -> list[str]:
    """The staging view's columns the audit reads: the suite's (columns, row conditions,
    names in unexpected-rows queries), the batch checks' profile, and the keys."""
    from expectations.batch_checks import profile_columns

    cur.execute(_sql("view_columns"), {"view": f"staging.stg_{name}"})
    view_columns = [column for (column,) in cur.fetchall()]
    wanted = {"raw_id", "batch_id", "source_key", *profile_columns(name)}
    for expectation in suite["expectations"]:
        text = json.dumps(expectation["kwargs"])
        wanted.update(re.findall(r"[a-z_][a-z0-9_]*", text))
    return [column for column in view_columns if column in wanted]


def _validate(
    engine: sqlalchemy.Engine, suite: dict[str, Any], name: str, table: str
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
        result_format=RESULT_FORMAT,
    )


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


def _profile(cur: Any, name: str, audit_table: sql.Identifier) -> dict[str, Any]:
    """What the batch-level checks compare across batches (expectations.batch_checks)."""
    from expectations.batch_checks import profile_query

    cur.execute(profile_query(name, audit_table))
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
