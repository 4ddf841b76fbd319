"""Validation time of a landed batch: ``expectations.runner.audit_batch``, taken apart.

Nothing in expectations/ is changed; the bench only watches it run:

- every statement GX sends goes through a SQLAlchemy engine GX builds itself, so a listener
  on the ``Engine`` class times each one (count, total, the slowest);
- the runner's own statements (count, failure collection, rejects) go through a psycopg
  cursor from ``expectations.runner._cursor``; that function is wrapped for the duration of
  the call to time each ``execute``;
- ``expectations.runner._validate`` (the GX part) is wrapped to time it as a whole.

Then ``EXPLAIN (ANALYZE, BUFFERS)`` of one scan of the batch through the staging view, and of
the slowest GX statement, say where the time goes inside PostgreSQL.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench import payloads
from bench.memory import MemoryFigures, MemoryWatch


@dataclass
class Statement:
    origin: str  # "gx" or "runner"
    seconds: float
    text: str


@dataclass
class AuditFigures:
    source_system: str
    batch_id: str
    rows_checked: int
    rows_rejected: int
    seconds: float
    gx_seconds: float
    gx_import_seconds: float
    memory: MemoryFigures
    statements: list[Statement] = field(default_factory=list)
    explain: dict[str, str] = field(default_factory=dict)

    def seconds_of(self, origin: str) -> float:
        return sum(s.seconds for s in self.statements if origin == s.origin)

    def count_of(self, origin: str) -> int:
        return sum(1 for s in self.statements if origin == s.origin)

    def slowest(self, origin: str, n: int = 5) -> list[Statement]:
        return sorted((s for s in self.statements if s.origin == origin), key=lambda s: -s.seconds)[
            :n
        ]

    def gx_kinds(self) -> Counter[str]:
        """GX statements by kind: what each one is for, by its shape."""
        kinds: Counter[str] = Counter()
        for statement in self.statements:
            if statement.origin == "gx":
                kinds[_kind(statement.text)] += 1
        return kinds


def _kind(text: str) -> str:
    """What a GX statement is for, told by its shape."""
    flat = " ".join(text.split()).lower()
    if "information_schema" in flat or "pg_catalog" in flat or "pg_" in flat[:80]:
        return "catalog / introspection"
    if flat.startswith(("select version()", "select current_schema", "show ")):
        return "connection setup"
    if "unexpected_row_count" in flat:
        return "unexpected_rows_expectation: count"
    if flat.startswith("select raw_id from"):
        return "unexpected_rows_expectation: rows"
    if "sum(case" in flat:
        return "column metrics, several per statement"
    if "as unexpected_values" in flat:
        return "all unexpected values (COMPLETE result format)"
    if " limit " in flat:
        return "unexpected raw_id sample"
    if re.search(r"\bcount\(\*\)", flat):
        return "row count"
    return "other"


@contextmanager
def _watch_statements(into: list[Statement]):
    """Time every statement of every SQLAlchemy engine (GX's included) while the block runs."""

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        started = conn.info["bench_started"].pop()
        into.append(Statement("gx", time.perf_counter() - started, statement))

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", before)
        event.remove(Engine, "after_cursor_execute", after)


class _TimedCursor:
    """A psycopg cursor that records the duration of each execute()."""

    def __init__(self, cursor: Any, into: list[Statement]) -> None:
        self._cursor = cursor
        self._into = into

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._cursor.execute(query, params, **kwargs)
        finally:
            text = query.as_string(self._cursor) if hasattr(query, "as_string") else str(query)
            self._into.append(Statement("runner", time.perf_counter() - started, text))

    def __enter__(self) -> _TimedCursor:
        self._cursor.__enter__()
        return self

    def __exit__(self, *exc: object) -> Any:
        return self._cursor.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def import_gx() -> float:
    """Import GX once, before any timing (seconds it took; 0 if already imported)."""
    started = time.perf_counter()
    import great_expectations  # noqa: F401

    return time.perf_counter() - started


def audit(url: str, source_system: str, batch_id: str, *, explain: bool = True) -> AuditFigures:
    from expectations import runner
    from hub.warehouse.connection import sqlalchemy_engine

    gx_import_seconds = import_gx()
    entity = payloads.SHAPES[source_system].entity
    statements: list[Statement] = []
    gx_time = [0.0]
    original_validate, original_cursor = runner._validate, runner._cursor

    def timed_validate(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original_validate(*args, **kwargs)
        finally:
            gx_time[0] += time.perf_counter() - started

    def timed_cursor(connection: Any) -> _TimedCursor:
        return _TimedCursor(original_cursor(connection), statements)

    runner._validate, runner._cursor = timed_validate, timed_cursor
    try:
        with (
            sqlalchemy_engine(url) as engine,
            _watch_statements(statements),
            MemoryWatch() as watch,
        ):
            started = time.perf_counter()
            result = runner.audit_batch(engine, source_system, entity, batch_id)
            seconds = time.perf_counter() - started
    finally:
        runner._validate, runner._cursor = original_validate, original_cursor

    figures = AuditFigures(
        source_system=source_system,
        batch_id=batch_id,
        rows_checked=result.rows_checked,
        rows_rejected=result.rows_rejected,
        seconds=seconds,
        gx_seconds=gx_time[0],
        gx_import_seconds=gx_import_seconds,
        memory=watch.figures,
        statements=statements,
    )
    if explain:
        figures.explain = explain_batch(url, source_system, batch_id, figures)
    return figures


def explain_batch(
    url: str, source_system: str, batch_id: str, figures: AuditFigures
) -> dict[str, str]:
    """EXPLAIN ANALYZE of one pass over the batch through the view, and of GX's slowest."""
    from psycopg import sql

    from hub.warehouse.connection import connect

    entity = payloads.SHAPES[source_system].entity
    view = sql.Identifier("staging", f"stg_{source_system}__{entity}")
    plans: dict[str, str] = {}
    with connect(url, autocommit=True) as conn:
        query = sql.SQL(
            "explain (analyze, buffers) select * from {} where batch_id = %s offset 0"
        ).format(view)
        plans["staging view, one batch"] = "\n".join(r[0] for r in conn.execute(query, (batch_id,)))
        slowest = figures.slowest("gx", 1)
        if slowest and slowest[0].text.lstrip().lower().startswith("select"):
            text = slowest[0].text
            if "%(" not in text and "%s" not in text:  # GX renders literals into its SQL
                try:
                    rows = conn.execute("explain (analyze, buffers) " + text).fetchall()
                except psycopg.Error as error:  # e.g. it read a work table the audit dropped
                    plans["slowest GX statement"] = f"(not reproducible after the audit: {error})"
                else:
                    plans["slowest GX statement"] = "\n".join(r[0] for r in rows)
    return plans
