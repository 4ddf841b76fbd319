"""Audit one landed batch: run its suite over the staging view, reject the failing rows.

``audit_batch`` validates ``staging.stg_<dept>__<entity>`` restricted to one batch with the
suite ``expectations/suites/<dept>__<entity>.json`` (GX 1.x, ephemeral context), then writes
every failing raw row to ``meta.rejects`` with all its reasons, and marks older rejects of a
key resolved when this batch brings a version of it that passes.

Why failing rows are collected in SQL and not from the GX result: GX returns at most
``partial_unexpected_count`` row ids per expectation, and its ``unexpected_index_query`` reads
the whole staging view, ignoring the batch and row conditions. So each expectation is also
turned into a row filter (``failing_condition``); all filters run in one pass inside
PostgreSQL (no row ids travel to Python, so memory stays flat at any batch size), and the
rows each filter finds must number exactly GX's unexpected count for that expectation, or the
audit fails before anything is written.

The batch is a column-value partition (``batch_id``) of a table asset on the view, not a
query asset: for a query asset GX fetches the whole result once just to learn its column
names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy
from psycopg import sql

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
# COMPLETE keeps up to 200 failing values and 20 raw ids per expectation in the result (for
# data docs and the returned JSON); the complete set of failing rows comes from SQL.
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": ["raw_id"],
    "partial_unexpected_count": 20,
}
SQL_DIR = Path(__file__).with_name("sql")
DOCS_SITE = "hub_site"


@dataclass(frozen=True)
class AuditResult:
    rows_checked: int
    rows_rejected: int
    reasons_count: dict[str, int]
    success: bool
    validation_result_json: dict[str, Any]


def audit_batch(
    engine: sqlalchemy.Engine,
    source_system: str,
    entity: str,
    batch_id: str,
    *,
    data_docs_dir: Path | None = None,
) -> AuditResult:
    """Validate one batch of ``raw.<source_system>__<entity>`` and record its rejects.

    Idempotent: auditing the same batch again adds no reject. Raises ValueError for a
    malformed batch id or source/entity name, KeyError when there is no suite for them, and
    RuntimeError when an expectation could not be evaluated or GX and the SQL filters
    disagree (nothing is written then).
    """
    if not BATCH_ID_RE.fullmatch(batch_id):
        raise ValueError(f"batch id {batch_id!r} does not match {BATCH_ID_RE.pattern}")
    if not (NAME_RE.fullmatch(source_system) and NAME_RE.fullmatch(entity)):
        raise ValueError(f"bad source/entity {source_system!r}/{entity!r}")
    name = f"{source_system}__{entity}"
    suite = load_suite(name)
    conditions = [failing_condition(expectation) for expectation in suite["expectations"]]
    params = {"source_system": source_system, "entity": entity, "batch_id": batch_id}
    raw_table = sql.Identifier("raw", name)

    with engine.connect() as connection, _cursor(connection) as cur:
        cur.execute(_sql("count_batch").format(raw_table=raw_table), params)
        (rows_checked,) = cur.fetchone()
    if rows_checked == 0:  # nothing landed: nothing to check (and GX finds no such batch)
        return AuditResult(0, 0, {}, True, {})

    validation = _validate(engine, suite, name, batch_id, data_docs_dir)
    gx_counts = [_unexpected_count(result) for result in validation["results"]]

    checks = sql.SQL(",\n").join(
        sql.SQL("case when {} then {} end").format(condition, sql.Literal(check_no))
        for check_no, condition in enumerate(conditions)
    )
    reasons = sql.SQL(", ").join(sql.Literal(e["meta"]["reason"]) for e in suite["expectations"])
    with engine.begin() as connection, _cursor(connection) as cur:
        cur.execute(_sql("create_failures"))
        cur.execute(
            _sql("collect_failures").format(
                view=sql.Identifier("staging", f"stg_{name}"),
                batch_id=sql.Literal(batch_id),
                checks=checks,
                reasons=reasons,
            )
        )
        per_check, reasons_count, rows_rejected = _failure_counts(cur)
        sql_counts = [per_check.get(check_no, 0) for check_no in range(len(conditions))]
        if sql_counts != gx_counts:
            raise RuntimeError(
                f"{name} batch {batch_id}: failing rows per expectation differ between GX "
                f"{gx_counts} and SQL {sql_counts}; nothing recorded"
            )
        cur.execute(_sql("insert_rejects").format(raw_table=raw_table), params)
        cur.execute(_sql("resolve_rejects").format(raw_table=raw_table), params)

    return AuditResult(
        rows_checked=rows_checked,
        rows_rejected=rows_rejected,
        reasons_count=reasons_count,
        success=validation["success"],
        validation_result_json=validation,
    )


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
    return sql.SQL("({} and {})").format(condition, _row_condition(row_condition))


def _row_condition(row_condition: dict[str, Any]) -> sql.Composable:
    """A GX comparison row condition (``column == / != value``) as SQL."""
    operator = {"==": "=", "!=": "<>"}.get(row_condition.get("operator"))
    if row_condition.get("type") != "comparison" or operator is None:
        raise ValueError(f"row_condition {row_condition} is not supported by the runner")
    return sql.SQL("{} " + operator + " {}").format(
        sql.Identifier(row_condition["column"]["name"]), sql.Literal(row_condition["parameter"])
    )


def _validate(
    engine: sqlalchemy.Engine,
    suite: dict[str, Any],
    name: str,
    batch_id: str,
    data_docs_dir: Path | None,
) -> dict[str, Any]:
    """Run the suite on the batch in an ephemeral GX context; the result as a JSON dict."""
    # imported here, not at module level: GX takes seconds to import (DAG parsing, CLI start)
    import great_expectations as gx
    from great_expectations.core.partitioners import PartitionerColumnValue
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if data_docs_dir is not None:
        context.add_data_docs_site(
            site_name=DOCS_SITE,
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(Path(data_docs_dir).resolve()),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    url = engine.url if engine.url.host else engine.url.set(host="localhost")  # GX needs a host
    datasource = context.data_sources.add_postgres(
        name="warehouse", connection_string=url.render_as_string(hide_password=False)
    )
    try:
        asset = datasource.add_table_asset(
            name=name, table_name=f"stg_{name}", schema_name="staging"
        )
        batches = asset.add_batch_definition(
            "by_batch_id",
            partitioner=PartitionerColumnValue(column_name="batch_id"),
            validate_partitioner=False,  # GX validates only date partitioners
        )
        gx_suite = context.suites.add(gx.ExpectationSuite(**suite))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{name}:{batch_id}", data=batches, suite=gx_suite)
        )
        result = definition.run(
            batch_parameters={"batch_id": batch_id}, result_format=RESULT_FORMAT
        ).to_json_dict()
    finally:
        datasource.get_engine().dispose()
    if data_docs_dir is not None:
        context.build_data_docs(site_names=[DOCS_SITE])

    # results in suite order (GX may evaluate in another)
    position = {expectation.id: i for i, expectation in enumerate(gx_suite.expectations)}
    result["results"].sort(key=lambda r: position[r["expectation_config"]["id"]])
    return result


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
    return details["observed_value"] if "observed_value" in details else details["unexpected_count"]


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


def _cursor(connection: sqlalchemy.Connection) -> Any:
    """A psycopg cursor on the SQLAlchemy connection (in its transaction, if any)."""
    return connection.connection.driver_connection.cursor()


def _sql(name: str) -> sql.SQL:
    return sql.SQL((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))
