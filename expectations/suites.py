"""The expectation suites, one JSON file per source entity in ``expectations/suites/``, and
one on the merged core (``core__projects``, ``meta.kind = "core"``: see
``expectations.core_audit``; it reports, it never rejects).

A suite is plain GX 1.x suite JSON (``name``, ``meta``, ``expectations``), editable without
Python. Every expectation carries ``meta.reason``, the reject reason code a failing row gets
(``missing_required:<field>``, ``invalid_uscc``, ``invalid_enum:<field>``, …), and
``meta.description`` in Chinese and English. Any column map expectation GX runs on
PostgreSQL may be used, and ``unexpected_rows_expectation`` (``select raw_id from {batch}
where …``); the runner takes the failing rows from GX's results (``expectations.runner``).

Row conditions are supported, but each distinct one is a domain of its own to GX: one more
row count and one more aggregate, each a full scan of the batch. So a field that must parse
when given is checked with our ``expect_column_values_to_parse_into`` on its text
(``expectations.custom``), not with a ``not_be_null`` under the row condition "text given":
the same rows fail, counted in the one aggregate GX runs for all column checks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from psycopg import sql

SUITES_DIR = Path(__file__).with_name("suites")


def suite_names() -> list[str]:
    """Names of all suites, e.g. ``["approval__events", "commerce__projects", ...]``."""
    return sorted(path.stem for path in SUITES_DIR.glob("*.json"))


def source_suite_names() -> list[str]:
    """The record-level suites, one per source entity (every suite but the core one)."""
    return [
        name for name in suite_names() if load_suite(name).get("meta", {}).get("kind") != "core"
    ]


def load_suite(entity_name: str) -> dict[str, Any]:
    """The suite for ``<dept>__<entity>`` as a dict, straight from its JSON file."""
    if entity_name not in suite_names():
        raise KeyError(f"no expectation suite {entity_name!r}; have {suite_names()}")
    return load_suite_file(SUITES_DIR / f"{entity_name}.json")


def load_suite_file(path: Path) -> dict[str, Any]:
    """A suite from any JSON file (a department registered with its own suite path)."""
    if not path.is_file():
        raise KeyError(f"no expectation suite at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def unexpected_rows_sql(expectation: dict[str, Any], batch: sql.Composable) -> sql.Composed:
    """An ``unexpected_rows_expectation``'s query over ``batch`` (the typed batch table), as
    GX runs it: each ``{batch}`` replaced, nothing else in the text taken for a placeholder."""
    parts = expectation["kwargs"]["unexpected_rows_query"].split("{batch}")
    pieces: list[sql.Composable] = [sql.SQL(parts[0])]
    for part in parts[1:]:
        pieces += [batch, sql.SQL(part)]
    return sql.Composed(pieces)
