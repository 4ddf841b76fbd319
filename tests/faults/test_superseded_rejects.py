"""A rejected version replaced at the source by a version that is rejected too (found by the
soak, seed 7): only the newest version's reject stays open, as after one clean sync, which
never saw the older version. Before the fix, the older reject stayed open beside it — two
open rejects for one record, and shared.rejected_records differed from a clean sync."""

from __future__ import annotations

import pytest

from hub.pipeline import run_sync
from hub.warehouse.connection import connect

pytestmark = pytest.mark.integration


def open_rejects(url: str, key: str) -> list[tuple]:
    with connect(url) as conn:
        return conn.execute(
            "select payload ->> 'total_investment', reasons from shared.rejected_records"
            " where source_system = 'commerce' and source_key = %s and not is_resolved",
            [key],
        ).fetchall()


def test_a_rejected_version_replaced_by_another_rejected_one_is_resolved(
    hub_settings, sandbox, scenario, invariant
):
    url = hub_settings.warehouse_url
    bad = set(scenario.truth.bad_records)
    template = next(
        r
        for r in scenario.commerce_records
        if ("commerce", r["project_no"]) not in bad and r["investment_unit"] == "万元"
    )
    broken = {**template, "project_no": "SW2099-910001", "total_investment": 60_000_001}
    sandbox.upsert_commerce_record(broken)
    assert run_sync(hub_settings).ok
    assert open_rejects(url, "SW2099-910001") == [("60000001", ["implausible_amount"])]

    # changed at the source, still too large: the newer version is rejected in its turn
    sandbox.upsert_commerce_record({**broken, "total_investment": 70_000_001})
    assert run_sync(hub_settings).ok

    assert open_rejects(url, "SW2099-910001") == [("70000001", ["implausible_amount"])]
    invariant()
