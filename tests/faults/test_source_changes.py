"""Departments change what they already told the hub, or stop answering for a while.

Each scenario syncs, has a department do something late — revise a stats period already
merged, revoke an approval after it was landed, re-deliver a land file with changes, stay
down for several runs — syncs again, and ends on the invariant (``tests/faults/invariant.py``):
no version landed twice, no watermark ahead of its data, ``shared`` equal to one clean sync
of the departments as they now are.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from connectors.common.window import parse_window
from hub.cli import main as hub_main
from hub.pipeline import run_sync
from hub.sandbox import LandFile
from hub.warehouse.connection import connect
from tests.conftest import use_hub_env
from tests.faults.invariant import InvariantBroken, note_fault

pytestmark = pytest.mark.slow

#: A port nothing listens on: the department "cannot be read".
NOWHERE = "http://127.0.0.1:9"
SHANGHAI = timezone(timedelta(hours=8))


def synced(settings, **kwargs):
    report = run_sync(settings, **kwargs)
    assert report.ok, report.failures
    return report


def one(url: str, query: str, params=None):
    with connect(url) as conn:
        return conn.execute(query, params).fetchone()


def test_a_stats_period_revised_after_it_was_merged(hub_settings, sandbox, invariant):
    synced(hub_settings)
    period = max(
        (p for p in sandbox.stats_periods() if not p.closed and len(p.rows) >= 2),
        key=lambda p: p.period,
    )
    dropped, changed, *kept = period.rows
    revised = {**changed, "completed_investment_ytd_wan": 4321.5}
    sandbox.set_stats_period(period.period, period.revision + 1, [revised, *kept], False)
    note_fault("stats revision after merge")

    synced(hub_settings)

    url = hub_settings.warehouse_url
    assert one(
        url,
        "select completed_investment_ytd_wan from core.stats_roster"
        " where stat_project_id = %s and period = %s",
        [changed["stat_project_id"], period.period],
    ) == (4321.5,)
    # the row the revision left out is gone from the period, not kept from revision 1
    assert one(
        url,
        "select count(*) from core.stats_roster where stat_project_id = %s and period = %s",
        [dropped["stat_project_id"], period.period],
    ) == (0,)
    invariant()


def granted_permit_as_only_construction_evidence(url: str) -> dict:
    """A 施工许可 grant that is its project's only under-construction evidence (so revoking it
    must change what shared says about the project)."""
    found = one(
        url,
        """
        select m.hub_project_id, m.source_key
        from core.project_milestones m
        where m.milestone = 'under_construction' and m.source_system = 'approval'
          and not exists (
            select from core.project_milestones o
            where o.hub_project_id = m.hub_project_id and o.milestone in
              ('under_construction', 'in_statistics', 'in_production')
              and (o.source_system, o.source_key) <> (m.source_system, m.source_key))
        order by m.source_key
        limit 1
        """,
    )
    assert found, "the scenario has no project built on a permit alone"
    return {"hub_project_id": found[0], "event_id": found[1]}


def test_an_approval_revocation_after_the_landing_it_revokes(hub_settings, sandbox, invariant):
    synced(hub_settings)
    url = hub_settings.warehouse_url
    target = granted_permit_as_only_construction_evidence(url)
    granted = next(e for e in sandbox.approval_events() if e["event_id"] == target["event_id"])
    assert (granted["matter"], granted["decision"]) == ("施工许可", "准予")
    sandbox.append_approval_event(
        {
            **granted,
            "event_id": "SP2099" + granted["event_id"][-7:],
            "decision": "撤销",
            "decided_at": datetime.now(SHANGHAI).replace(microsecond=0).isoformat(),
            "supersedes_event_id": granted["event_id"],
        }
    )
    note_fault("approval revoked after landing")

    synced(hub_settings)

    assert one(
        url,
        "select count(*) from shared.project_milestones"
        " where milestone = 'under_construction' and source_key = %s",
        [granted["event_id"]],
    ) == (0,)
    (stage,) = one(
        url,
        "select stage from shared.projects where hub_project_id = %s",
        [target["hub_project_id"]],
    )
    assert stage not in ("under_construction", "in_statistics", "in_production")
    invariant()


def test_a_land_file_redelivered_with_changes(hub_settings, sandbox, invariant):
    synced(hub_settings)
    url = hub_settings.warehouse_url
    delivery = next(d for d in reversed(sandbox.land_deliveries()) if d.rows)
    first, *rest = delivery.rows
    parcel = first["宗地编号"]
    sandbox.add_land_file(LandFile(delivery.name, [{**first, "成交价款（万元）": "98765"}, *rest]))
    note_fault("land file re-delivered")

    # A plain sync does not apply a re-delivery (the contract forbids one): it says so, and
    # keeps what was published; the warehouse then differs from a clean sync, as it should.
    synced(hub_settings)
    (detail,) = one(url, "select detail from shared.sync_status where source_system = 'land'")
    assert delivery.name in detail and "redeliver" in detail.replace("-", "")
    price = "select price_wan from core.land_parcels where parcel_id = %s"
    assert one(url, price, [parcel]) != (98765,)
    with pytest.raises(InvariantBroken, match="land_parcels"):
        invariant()

    # The operator's resolution, as the incident asks: re-pull that day.
    day = delivery.name.removeprefix("land_supply_")[:8]
    synced(hub_settings, windows={"land": parse_window(day, "day")})

    assert one(url, price, [parcel]) == (98765,)
    invariant()


def test_a_department_down_for_several_runs_then_back(
    hub_settings, sandbox, invariant, monkeypatch, capsys
):
    synced(hub_settings)
    url = hub_settings.warehouse_url
    down = dataclasses.replace(
        hub_settings,
        stats=dataclasses.replace(hub_settings.stats, base_url=NOWHERE, max_retries=0),
    )
    renamed = []
    for run, record in enumerate(sandbox.commerce_records()[:3]):
        # the others go on changing, and stats publishes a revision nobody can read yet
        served = sandbox.upsert_commerce_record(
            {**record, "project_name": record["project_name"] + f"（第{run + 2}期）"}
        )
        renamed.append(served["project_no"])
        if run == 1:
            period = max(
                (p for p in sandbox.stats_periods() if not p.closed and p.rows),
                key=lambda p: p.period,
            )
            sandbox.set_stats_period(period.period, period.revision + 1, period.rows[1:], False)

        report = run_sync(down)
        note_fault("department down for a run")

        assert set(report.failures) == {"stats"} and report.published
        status, detail = one(
            url, "select last_status, detail from shared.sync_status where source_system = 'stats'"
        )
        assert status == "failed" and NOWHERE in detail
        assert one(
            url,
            "select count(*) from core.commerce_projects where project_no = any(%s)"
            " and project_name like '%%期）'",
            [renamed],
        ) == (len(renamed),)

    # what the operator sees (RELIABILITY.md's runbook starts there)
    use_hub_env(monkeypatch, sandbox, hub_settings)
    capsys.readouterr()
    assert hub_main(["status"]) == 0
    block = capsys.readouterr().out.split("Departments' last sync")[1].split("\n")
    (line,) = [ln for ln in block if ln.startswith("  stats ")][:1]
    assert "failed" in line and "last ok" in line and NOWHERE in line

    synced(hub_settings)  # back: it catches up on everything it missed

    assert one(url, "select last_status from shared.sync_status where source_system = 'stats'") == (
        "ok",
    )
    invariant()
