"""A department adds a field: the record still lands verbatim and the drift is reported."""

import pytest

from hub.pipeline import ingest
from hub.warehouse.connection import connect

pytestmark = pytest.mark.integration


def test_unknown_field_is_kept_and_reported(hub_settings, sandbox, scenario):
    ingest(hub_settings, "commerce")
    bad = set(scenario.truth.bad_records)
    record = next(r for r in scenario.commerce_records if ("commerce", r["project_no"]) not in bad)
    sandbox.upsert_commerce_record({**record, "esg_rating": "AA"})

    result = ingest(hub_settings, "commerce")

    assert result["records_new"] == 1 and result["incidents"] == 1
    with connect(hub_settings.warehouse_url) as conn:
        (payload,) = conn.execute(
            "select payload from raw.commerce__projects where source_key = %s"
            " order by raw_id desc limit 1",
            [record["project_no"]],
        ).fetchone()
        (detail,) = conn.execute(
            "select detail from meta.incidents where kind = 'schema_drift'"
        ).fetchone()
        (in_core,) = conn.execute(
            "select count(*) from core.commerce_projects where project_no = %s",
            [record["project_no"]],
        ).fetchone()
    assert payload["esg_rating"] == "AA"
    assert "esg_rating (1 records)" in detail
    assert in_core == 1  # drift is not a reason to reject
