"""The suite on the merged core: ``expectations/suites/core__projects.json`` over core.projects.

Run after every ``resolve_and_publish``. Its failures are findings about the hub's own
result (two hub projects sharing a project code, a project without a stage, stage dates out
of order), not about any one department's record, so nothing is rejected: each run is kept
in ``meta.core_audits`` with its findings (failing rows and up to 20 hub_project_ids per
check) and reported by ``hub dq``. Expectations carry GX's ``severity``: a failed
``critical`` one makes the run unsuccessful; ``warning`` ones (stage dates, which come from
different departments and can legitimately be out of order) are reported only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy
from psycopg.types.json import Jsonb

from expectations.runner import _dumps
from expectations.suites import load_suite

SUITE = "core__projects"
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": ["hub_project_id"],
    "partial_unexpected_count": 20,
}
SQL_DIR = Path(__file__).with_name("sql")


@dataclass(frozen=True)
class CoreAuditResult:
    rows_checked: int
    success: bool
    findings: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["severity"] == "critical"]

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["severity"] != "critical"]


def audit_core(engine: sqlalchemy.Engine) -> CoreAuditResult:
    """Validate core.projects with the core suite and record the run in meta.core_audits."""
    started = time.perf_counter()
    suite = load_suite(SUITE)
    validation = _validate(engine, suite)
    findings = []
    for expectation, result in zip(suite["expectations"], validation["results"], strict=True):
        details = result.get("result") or {}
        if result["success"]:
            continue
        errors = _exceptions(result)
        findings.append(
            {
                "check": _label(expectation),
                "reason": expectation["meta"]["reason"],
                "severity": expectation.get("severity", "critical"),
                "failing_rows": details.get("unexpected_count"),
                "sample_hub_project_ids": sorted(
                    {
                        row["hub_project_id"]
                        for row in details.get("unexpected_index_list") or []
                        if isinstance(row, dict) and "hub_project_id" in row
                    }
                ),
                "description": expectation["meta"]["description"],
                **({"error": "; ".join(errors)} if errors else {}),
            }
        )
    rows_checked = _rows(validation)
    success = not any(f["severity"] == "critical" for f in findings)
    with engine.connect() as connection:
        dbapi = connection.connection.driver_connection
        with dbapi.cursor() as cur:
            cur.execute(
                (SQL_DIR / "record_core_audit.sql").read_text(encoding="utf-8"),
                {
                    "rows_checked": rows_checked,
                    "success": success,
                    "findings": Jsonb(findings),
                    "validation_result": Jsonb(validation, dumps=_dumps),
                },
            )
        dbapi.commit()
    return CoreAuditResult(rows_checked, success, findings, time.perf_counter() - started)


def _validate(engine: sqlalchemy.Engine, suite: dict[str, Any]) -> dict[str, Any]:
    from expectations.gxcontext import validate_table  # GX: imported only when it runs

    return validate_table(
        engine, suite, schema="core", table="projects", name=SUITE, result_format=RESULT_FORMAT
    )


def _rows(validation: dict[str, Any]) -> int:
    """Rows GX looked at (element_count of any column expectation)."""
    for result in validation["results"]:
        count = (result.get("result") or {}).get("element_count")
        if count is not None:
            return int(count)
    return 0


def _exceptions(result: dict[str, Any]) -> list[str]:
    info = result.get("exception_info") or {}
    entries = [info] if "raised_exception" in info else list(info.values())
    return [str(e.get("exception_message")) for e in entries if e.get("raised_exception")]


def _label(expectation: dict[str, Any]) -> str:
    kwargs = expectation["kwargs"]
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return f"{expectation['type']}({', '.join(columns)})"
