"""The walking skeleton end to end: sandbox departments → warehouse → shared, by the CLI path."""

from __future__ import annotations

import pytest

from hub.cli import main as hub_main
from hub.lifecycle import STAGES
from hub.pipeline import run_sync, summarize
from hub.warehouse.connection import connect
from hub.warehouse.migrations import upgrade
from tests.snapshots import shared_snapshot

pytestmark = pytest.mark.integration


def test_sync_publishes_the_scenario_truth(hub_settings, scenario_truth):
    report = run_sync(hub_settings)
    assert report.ok, report.failures
    summary = summarize(hub_settings)
    assert {s: summary["projects_per_stage"].get(s, 0) for s in STAGES} == {
        s: scenario_truth.stage_counts()[s] for s in STAGES
    }
    # Every rejected record is one the scenario broke on purpose, and every bad one is caught.
    with connect(hub_settings.warehouse_url) as conn:
        rejected = {
            (system, key): sorted(reasons)
            for system, key, reasons in conn.execute(
                "select source_system, source_key, reasons from shared.rejected_records"
            )
        }
    expected = {key: sorted(reasons) for key, reasons in scenario_truth.bad_records.items()}
    assert set(rejected) == set(expected)
    for key, reasons in expected.items():
        assert set(reasons) <= set(rejected[key]), key


def test_second_sync_changes_nothing_in_shared(hub_settings):
    assert run_sync(hub_settings).ok
    before = shared_snapshot(hub_settings.warehouse_url)
    second = run_sync(hub_settings)
    assert second.ok
    assert all(item["records_new"] == 0 for item in second.ingested)
    assert shared_snapshot(hub_settings.warehouse_url) == before


def test_upgrade_is_idempotent(fresh_warehouse_url):
    from hub.config import DEFAULT_REFERENCE_DIR

    assert not upgrade(fresh_warehouse_url, DEFAULT_REFERENCE_DIR).changed


def test_department_down_fails_sync_and_keeps_earlier_data(
    hub_settings, sandbox, monkeypatch, capsys
):
    assert run_sync(hub_settings).ok
    before = shared_snapshot(hub_settings.warehouse_url)
    stats_url = sandbox.urls["stats"]
    sandbox.stop_department("stats")

    for name, value in {
        **sandbox.env(),
        "HUB_WAREHOUSE_URL": hub_settings.warehouse_url,
        "HUB_HOME": str(hub_settings.home),
    }.items():
        monkeypatch.setenv(name, value)
    exit_code = hub_main(["sync"])
    err = capsys.readouterr().err
    assert exit_code != 0
    assert "stats" in err and stats_url in err
    assert shared_snapshot(hub_settings.warehouse_url) == before
    with connect(hub_settings.warehouse_url) as conn:
        status, detail = conn.execute(
            "select last_status, detail from shared.sync_status where source_system = 'stats'"
        ).fetchone()
    assert status == "failed" and stats_url in detail
