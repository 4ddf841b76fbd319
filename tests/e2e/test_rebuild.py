"""Rebuilding core and shared from raw gives what the incremental path gave."""

import pytest

from hub.pipeline import run_sync
from hub.rebuild import rebuild
from tests.snapshots import shared_snapshot

pytestmark = pytest.mark.integration


def test_rebuild_from_raw_equals_incremental(hub_settings, sandbox, scenario):
    assert run_sync(hub_settings).ok
    # A second round of changes, so the replay has several batches per source to order.
    bad = set(scenario.truth.bad_records)
    for record in [
        r for r in scenario.commerce_records if ("commerce", r["project_no"]) not in bad
    ][:5]:
        sandbox.upsert_commerce_record(
            {**record, "project_name": record["project_name"] + "（二期）"}
        )
    assert run_sync(hub_settings).ok
    incremental = shared_snapshot(hub_settings.warehouse_url)

    result = rebuild(hub_settings)

    assert result["batches_replayed"]["commerce"] == 2
    assert shared_snapshot(hub_settings.warehouse_url) == incremental
