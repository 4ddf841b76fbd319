"""A fifth department, added as the registry says a department is added, syncs end to end.

The toy department's tables, view, merge and suite are files of its own
(tests/fixtures/toy_department/), its connector is a class below, and one
``register(Department(...))`` is the only other thing it needs: no edit to the pipeline, the
rebuild or the DAGs. It is synced beside the four departments of the sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.common.records import Checkpoint, SourceRecord
from hub.pipeline import run_sync
from hub.rebuild import rebuild_core
from hub.sources import Department, register, source_systems, unregister
from hub.warehouse.connection import connect

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "toy_department"
THINGS = [
    {"thing_id": "T-1", "name": "一号", "size": 3},
    {"thing_id": "T-2", "name": "二号", "size": "7"},
    {"thing_id": "T-3", "name": "", "size": 1},  # rejected: missing_required:name
    {"thing_id": "T-4", "name": "四号", "size": "many"},  # rejected: invalid_amount
]


class ToyConnector:
    source_system = "toy"

    def __init__(self, things: list[dict[str, Any]]) -> None:
        self.things = things

    def read(self, state: dict[str, Any], *, full: bool = False) -> Iterator[Any]:
        if state.get("read") and not full:
            return
        for thing in self.things:
            yield SourceRecord("things", thing.get("thing_id"), thing)
        yield Checkpoint({"read": True})

    def unknown_fields(self, payload: dict[str, Any]) -> set[str]:
        return set(payload) - {"thing_id", "name", "size"}

    def close(self) -> None:
        pass


@pytest.fixture
def toy_department(hub_settings):
    with connect(hub_settings.warehouse_url) as conn:
        conn.execute((FIXTURES / "tables.sql").read_text(encoding="utf-8"))
        conn.commit()
    register(
        Department(
            "toy",
            "things",
            key_field="thing_id",
            cursor="everything once",
            connector=lambda settings: ToyConnector(THINGS),
            location=lambda settings: "tests/fixtures/toy_department",
            core_table="toy_things",
            merge_sql=str(FIXTURES / "merge.sql"),
            suite_path=FIXTURES / "suite.json",
        )
    )
    try:
        yield hub_settings
    finally:
        unregister("toy")


def test_a_registered_fifth_department_syncs_end_to_end(toy_department):
    assert source_systems()[-1] == "toy"
    report = run_sync(toy_department)
    assert report.ok, (report.failures, report.publish_failure)
    assert {item["source_system"] for item in report.ingested} == set(source_systems())
    with connect(toy_department.warehouse_url) as conn:
        merged = conn.execute(
            "select thing_id, name, size from core.toy_things order by 1"
        ).fetchall()
        rejected = conn.execute(
            "select source_key, reasons from shared.rejected_records"
            " where source_system = 'toy' order by 1"
        ).fetchall()
        (status,) = conn.execute(
            "select last_status from shared.sync_status where source_system = 'toy'"
        ).fetchone()
        (projects,) = conn.execute("select count(*) from shared.projects").fetchone()
    assert merged == [("T-1", "一号", 3), ("T-2", "二号", 7)]
    assert rejected == [("T-3", ["missing_required:name"]), ("T-4", ["invalid_amount"])]
    assert status == "ok" and projects > 0  # the four departments published as ever

    # the rebuild replays the toy department's merged batches too, to the same rows
    assert rebuild_core(toy_department.warehouse_url)["toy"] == 1
    with connect(toy_department.warehouse_url) as conn:
        again = conn.execute("select thing_id, name, size from core.toy_things order by 1")
        assert again.fetchall() == merged
