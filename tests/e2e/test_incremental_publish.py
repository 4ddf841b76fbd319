"""An incremental publish recomputes only what a change touches, and gives exactly what a
full publish of the same sources gives (hub/resolve/scope.py)."""

from __future__ import annotations

import random

import pytest

from hub.pipeline import resolve_and_publish, run_sync
from hub.rebuild import rebuild
from hub.sandbox import generate_scenario
from hub.warehouse.connection import connect
from tests.snapshots import shared_snapshot

pytestmark = pytest.mark.integration

# Everything publishing writes, every column (linked_at, updated_at, detected_at included):
# a full publish after an equal incremental one changes none of it.
HUB_TABLES = (
    "project_links",
    "hub_projects",
    "projects",
    "projects_history",
    "project_milestones",
    "discrepancies",
    "match_candidates",
)


@pytest.fixture(scope="module")
def scenario():
    return generate_scenario(size=300, seed=23)


def hub_state(url: str) -> dict[str, list[str]]:
    with connect(url) as conn:
        return {
            name: sorted(row[0] for row in conn.execute(f"select t::text from core.{name} as t"))
            for name in HUB_TABLES
        } | {"shared": shared_snapshot(url)}


def latest_stats_period(url: str, stat_project_id: str) -> str:
    with connect(url) as conn:
        (period,) = conn.execute(
            "select p.latest_stats_period from shared.projects as p"
            " join core.project_links as l using (hub_project_id)"
            " where l.source_system = 'stats' and l.source_key = %s",
            (stat_project_id,),
        ).fetchone()
    return period


def last_publish(url: str) -> tuple[str, int, int]:
    with connect(url) as conn:
        return conn.execute(
            "select scope, projects_recomputed, projects from meta.publishes"
            " order by publish_id desc limit 1"
        ).fetchone()


def change_commerce(sandbox, scenario, rng: random.Random) -> None:
    bad = set(scenario.truth.bad_records)
    records = [r for r in sandbox.commerce_records() if ("commerce", r["project_no"]) not in bad]
    amounts, renamed, deleted, copied = (
        rng.sample(records, 6),
        rng.choice(records),
        rng.choice(records),
        rng.choice(records),
    )
    for record in amounts:
        sandbox.upsert_commerce_record({**record, "total_investment": "123,456"})
    sandbox.upsert_commerce_record(
        {**renamed, "project_name": renamed["project_name"] + "（二期）"}
    )
    sandbox.upsert_commerce_record({**deleted, "is_deleted": True})
    sandbox.upsert_commerce_record(
        {
            **copied,
            "project_no": "SW2026-999001",
            "project_code": None,
            "project_name": copied["project_name"].replace("项目", "扩建项目"),
        }
    )
    # A withdrawn duplicate entry that shares no code, company or investor USCC with the
    # record it repeats, only names: the new record's name blocks alone bring that record
    # (and its project, which the duplicate joins) into scope.
    named = rng.choice([r for r in records if r not in (deleted, copied) and r["project_code"]])
    sandbox.upsert_commerce_record(
        {
            **named,
            "project_no": "SW2026-999002",
            "project_code": None,
            "project_company_uscc": None,
            "investor_uscc": None,
            "is_deleted": True,
        }
    )


def change_approval_and_stats(sandbox, rng: random.Random) -> tuple[str, str]:
    """Returns the stats project that left the open period's roster."""
    granted = [
        e
        for e in sandbox.approval_events()
        if e["decision"] == "准予" and e["matter"] == "项目备案" and e["project_code"]
    ]
    revoked = rng.choice(granted)
    sandbox.append_approval_event(
        {
            **revoked,
            "event_id": "SP20269999001",
            "decision": "撤销",
            "decided_at": "2026-12-01T10:00:00+08:00",
            "document_no": "青审批撤〔2026〕1号",
            "supersedes_event_id": revoked["event_id"],
        }
    )
    period = max((p for p in sandbox.stats_periods() if not p.closed), key=lambda p: p.period)
    # A project that leaves the open period's roster but stays in earlier ones: nothing of
    # it is written, one of its rows is deleted, and its latest period changes.
    earlier = {
        row["stat_project_id"]
        for p in sandbox.stats_periods()
        if p.period < period.period
        for row in p.rows
    }
    leaving = next(row for row in period.rows[1:] if row["stat_project_id"] in earlier)
    rows = [dict(row) for row in period.rows if row is not leaving]
    rows[0]["planned_investment_wan"] = rows[0]["planned_investment_wan"] * 3
    sandbox.set_stats_period(period.period, period.revision + 1, rows, closed=False)
    return leaving["stat_project_id"], period.period


def test_incremental_publishes_equal_full_ones(hub_settings, sandbox, scenario):
    url = hub_settings.warehouse_url
    assert run_sync(hub_settings).ok
    assert last_publish(url)[0] == "full"  # nothing to build on yet
    rng = random.Random(5)

    for change in (
        lambda: change_commerce(sandbox, scenario, rng),
        lambda: change_approval_and_stats(sandbox, rng),
    ):
        changed = change()
        report = run_sync(hub_settings)
        assert report.ok and report.published["scope"] == "incremental"
        if changed:
            stat_project_id, open_period = changed
            assert latest_stats_period(url, stat_project_id) < open_period
        _, recomputed, projects = last_publish(url)
        assert 0 < recomputed < projects / 2, "only what the change touched is recomputed"
        incremental = hub_state(url)

        resolve_and_publish(hub_settings, force=True)
        assert last_publish(url)[0] == "full"
        assert hub_state(url) == incremental

    rebuild(hub_settings)
    assert hub_state(url) == incremental


def test_a_sync_with_a_changed_amount_recomputes_its_project_only(hub_settings, sandbox, scenario):
    url = hub_settings.warehouse_url
    assert run_sync(hub_settings).ok
    record = next(
        r for r in sandbox.commerce_records() if r["project_code"] and not r["is_deleted"]
    )
    sandbox.upsert_commerce_record({**record, "total_investment": "777,777"})

    report = run_sync(hub_settings)

    assert report.published["scope"] == "incremental"
    assert report.published["records_changed"] == 1
    with connect(url) as conn:
        (amount,) = conn.execute(
            "select p.signed_investment_wan from shared.projects as p"
            " join core.project_links as l using (hub_project_id)"
            " where l.source_system = 'commerce' and l.source_key = %s",
            (record["project_no"],),
        ).fetchone()
    assert amount == 777777


def test_a_change_that_reaches_too_far_publishes_everything(hub_settings, sandbox, monkeypatch):
    url = hub_settings.warehouse_url
    assert run_sync(hub_settings).ok
    monkeypatch.setattr("hub.resolve.scope.MAX_SCOPE_SHARE", 0.0)
    record = next(r for r in sandbox.commerce_records() if not r["is_deleted"])
    sandbox.upsert_commerce_record({**record, "total_investment": "654,321"})

    report = run_sync(hub_settings)

    assert report.published["scope"] == "full"
    assert report.published["records_changed"] == 1
    published = hub_state(url)
    resolve_and_publish(hub_settings, force=True)
    assert hub_state(url) == published
