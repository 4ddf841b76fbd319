"""Every step of a sync is timed per run in meta.sync_steps, and `hub status` shows the
latest run step by step; a step that failed is kept, marked so."""

from __future__ import annotations

import pytest

from hub.cli import main as hub_main
from hub.pipeline import run_sync
from hub.sources import source_systems
from hub.warehouse.connection import connect
from tests.conftest import use_hub_env

pytestmark = pytest.mark.integration

INGEST_STEPS = ["land", "audit", "batch_checks", "merge"]
PUBLISH_STEPS = [
    "inputs",
    "statistics",
    "changes",
    "resolve",
    "milestones",
    "lifecycle",
    "projects",
    "history",
    "discrepancies",
    "core_audit",
]


def steps_of_latest_run(url: str) -> list[tuple]:
    with connect(url) as conn:
        return conn.execute(
            "select source_system, step, row_count, succeeded, seconds >= 0"
            " from meta.sync_steps where run_id ="
            " (select run_id from meta.sync_steps order by started_at desc, step_id desc limit 1)"
            " order by started_at, step_id"
        ).fetchall()


def test_a_sync_keeps_the_time_of_each_step(hub_settings, monkeypatch, sandbox, capsys):
    report = run_sync(hub_settings)
    assert report.ok
    steps = steps_of_latest_run(hub_settings.warehouse_url)
    assert [(source, step) for source, step, *_ in steps] == [
        (source, step) for source in source_systems() for step in INGEST_STEPS
    ] + [(None, step) for step in PUBLISH_STEPS]
    assert all(succeeded and timed for *_, succeeded, timed in steps)
    received = {item["source_system"]: item["records_received"] for item in report.ingested}
    landed = {source: rows for source, step, rows, *_ in steps if step == "land"}
    assert landed == received
    resolve_rows = next(rows for _, step, rows, *_ in steps if step == "resolve")
    assert resolve_rows == report.published["links"]

    use_hub_env(monkeypatch, sandbox, hub_settings)
    assert hub_main(["status"]) == 0
    out = capsys.readouterr().out
    assert "Latest run run-" in out
    assert "publish   resolve" in out and "commerce  land" in out
    projects = report.published["projects"]
    assert f"full, {resolve_rows:,} source records changed, {projects:,} of {projects:,}" in out


def test_a_failed_step_is_kept_as_failed(hub_settings, sandbox):
    sandbox.stop_department("stats")
    report = run_sync(hub_settings)
    assert "stats" in report.failures
    steps = steps_of_latest_run(hub_settings.warehouse_url)
    assert ("stats", "land", None, False, True) in steps
    assert ("commerce", "merge") in [(source, step) for source, step, *_ in steps]


def test_a_sync_that_brings_nothing_new_does_not_rerun_the_core_suite(hub_settings, sandbox):
    url = hub_settings.warehouse_url

    def core_audits() -> int:
        with connect(url) as conn:
            return conn.execute("select count(*) from meta.core_audits").fetchone()[0]

    assert run_sync(hub_settings).ok
    assert core_audits() == 1
    assert run_sync(hub_settings).ok  # nothing new at the departments
    assert core_audits() == 1
    # something new: a commerce record changes, so a project's published version does
    record = sorted(sandbox.commerce_records(), key=lambda r: r["project_no"])[0]
    sandbox.upsert_commerce_record({**record, "project_name": record["project_name"] + "（二期）"})
    assert run_sync(hub_settings).ok
    assert core_audits() == 2


def test_a_sync_with_nothing_new_skips_publishing(hub_settings):
    url = hub_settings.warehouse_url
    assert run_sync(hub_settings).ok
    again = run_sync(hub_settings)
    assert again.ok and again.published["unchanged"]
    steps = steps_of_latest_run(url)
    assert [step for source, step, *_ in steps if source is None] == ["inputs"]
    with connect(url) as conn:
        assert conn.execute("select count(*) from meta.publishes").fetchone()[0] == 1
        # a steward's decision is an input too: publishing runs again
        conn.execute(
            "insert into core.steward_decisions"
            " (source_system, source_key, hub_project_id, decision, decided_by)"
            " select source_system, source_key, hub_project_id, 'accept', 'qa'"
            " from core.project_links limit 1"
        )
        conn.commit()
    third = run_sync(hub_settings)
    assert third.ok and not third.published.get("unchanged")
