"""Batch-level checks through the real path: a suspicious batch is held — its records stay
in raw, unmerged, `shared` keeps the last good data, `shared.sync_status` says 'held' and
why, `hub sync` still exits 0 — until `hub dq release` merges it (idempotently).

The thresholds are the shipped ones (expectations/batch_checks.json); each test builds the
history a check needs the way it would build up in real life, by syncing.
"""

from __future__ import annotations

import copy

import pytest

from hub.cli import main as hub_main
from hub.pipeline import ingest, resolve_and_publish, run_sync
from hub.sandbox import LandFile
from hub.warehouse.connection import connect
from tests.conftest import use_hub_env

pytestmark = pytest.mark.integration


def query(url: str, statement: str, *params) -> list[tuple]:
    with connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def sync_status(url: str, source_system: str) -> tuple:
    return query(
        url,
        "select last_status, detail from shared.sync_status where source_system = %s",
        source_system,
    )[0]


def open_period(scenario):
    return max(
        (p for p in scenario.stats_periods if p.current and not p.closed), key=lambda p: p.period
    )


def test_stats_roster_drop_is_held_until_released(
    hub_settings, sandbox, scenario, monkeypatch, capsys
):
    url = hub_settings.warehouse_url
    assert run_sync(hub_settings).ok
    period = open_period(scenario)
    published = "select count(*) from shared.investment_progress where period = %s"
    (before,) = query(url, published, period.period)[0]
    assert before >= 20

    # the bureau re-publishes the open period with a fraction of its roster
    kept = [copy.deepcopy(row) for row in period.rows[:3]]
    sandbox.set_stats_period(period.period, period.revision + 1, kept, closed=False)
    use_hub_env(monkeypatch, sandbox, hub_settings)
    assert hub_main(["sync", "--source", "stats"]) == 0  # a hold is not a failed sync
    out = capsys.readouterr().out
    assert "HELD" in out

    ((batch_id, status, _detail),) = query(
        url,
        "select batch_id, status, detail from meta.batches where source_system = 'stats'"
        " order by started_at desc limit 1",
    )
    assert status == "held"
    last_status, why = sync_status(url, "stats")
    assert last_status == "held"
    assert f"volume:{period.period}" in why and f"hub dq release {batch_id}" in why
    # nothing of the batch was merged: shared still shows the last good roster
    assert query(url, published, period.period)[0] == (before,)
    assert query(
        url,
        "select count(*) from core.stats_roster where period = %s and revision = %s",
        period.period,
        period.revision + 1,
    ) == [(0,)]
    # a later sync with nothing new keeps it so (the state already has the new revision)
    assert run_sync(hub_settings, sources=("stats",)).ok
    assert query(url, published, period.period)[0] == (before,)

    assert hub_main(["dq"]) == 0
    report = capsys.readouterr().out
    assert batch_id in report and "HELD" in report and "batch check FAILED" in report

    assert (
        hub_main(["dq", "release", batch_id, "--note", "roster really shrank", "--by", "qa"]) == 0
    )
    assert "released" in capsys.readouterr().out
    assert query(url, published, period.period)[0] == (3,)
    assert query(url, "select status from meta.batches where batch_id = %s", batch_id) == [
        ("merged",)
    ]
    assert sync_status(url, "stats")[0] == "ok"
    assert query(
        url, "select released_by, release_note from meta.batch_audits where batch_id = %s", batch_id
    ) == [("qa", "roster really shrank")]

    # releasing again changes nothing
    before_again = query(url, "select * from core.stats_roster order by 1, 2")
    assert hub_main(["dq", "release", batch_id]) == 0
    assert "already merged" in capsys.readouterr().out
    assert query(url, "select * from core.stats_roster order by 1, 2") == before_again


def test_duplicate_key_in_a_roster_holds_it(hub_settings, sandbox, scenario):
    url = hub_settings.warehouse_url
    ingest(hub_settings, "stats")
    period = open_period(scenario)
    rows = [copy.deepcopy(row) for row in period.rows]
    twin = {**rows[0], "completed_investment_ytd_wan": rows[0]["completed_investment_ytd_wan"] + 1}
    sandbox.set_stats_period(period.period, period.revision + 1, [*rows, twin], closed=False)

    result = ingest(hub_settings, "stats")

    assert result["status"] == "held"
    checks = query(
        url, "select batch_checks from meta.batch_audits where batch_id = %s", result["batch_id"]
    )[0][0]
    failed = [c for c in checks if c["status"] == "failed"]
    assert [c["check"] for c in failed] == ["duplicate_keys"]
    assert rows[0]["stat_project_id"] in failed[0]["detail"]
    assert "duplicate_keys" in sync_status(url, "stats")[1]


def test_commerce_surge_is_held_and_shared_keeps_the_last_good_data(
    hub_settings, sandbox, scenario
):
    url = hub_settings.warehouse_url
    assert run_sync(hub_settings, sources=("commerce",)).ok
    bad = {key for system, key in scenario.truth.bad_records if system == "commerce"}
    base = next(r for r in scenario.commerce_records if r["project_no"] not in bad)
    # three ordinary days: one changed record each
    for day in range(3):
        sandbox.upsert_commerce_record({**copy.deepcopy(base), "project_no": f"SW2098-{day:06d}"})
        assert ingest(hub_settings, "commerce")["status"] == "ok"
    resolve_and_publish(hub_settings)
    projects = query(url, "select count(*) from shared.projects")

    # then a batch of 250 at once: far above ten times the usual volume
    for n in range(250):
        sandbox.upsert_commerce_record({**copy.deepcopy(base), "project_no": f"SW2099-{n:06d}"})
    surge = ingest(hub_settings, "commerce")
    resolve_and_publish(hub_settings)

    assert surge["status"] == "held"
    last_status, why = sync_status(url, "commerce")
    assert last_status == "held" and "volume: 250 rows" in why
    assert query(url, "select count(*) from shared.projects") == projects
    assert query(
        url, "select count(*) from core.commerce_projects where project_no like 'SW2099-%%'"
    ) == [(0,)]
    assert query(
        url, "select count(*) from raw.commerce__projects where batch_id = %s", surge["batch_id"]
    ) == [(250,)]

    from hub.pipeline import release_batch

    released = release_batch(hub_settings, surge["batch_id"], released_by="steward")
    assert released["released"] is True
    assert query(
        url, "select count(*) from core.commerce_projects where project_no like 'SW2099-%%'"
    ) == [(250,)]
    assert sync_status(url, "commerce")[0] == "ok"
    # the released batch is history now: the same volume again is no longer a surge... yet
    # still far above the median of the last batches, so it is held again
    for n in range(250):
        sandbox.upsert_commerce_record({**copy.deepcopy(base), "project_no": f"SW2097-{n:06d}"})
    assert ingest(hub_settings, "commerce")["status"] == "held"


def test_land_file_with_blank_project_codes_is_held(hub_settings, sandbox, scenario):
    url = hub_settings.warehouse_url
    assert ingest(hub_settings, "land")["status"] == "ok"
    bad = {key for system, key in scenario.truth.bad_records if system == "land"}
    valid = [
        row
        for f in scenario.land_files
        for row in f.rows
        if row["宗地编号"] not in bad and row["状态"] == "有效"
    ]
    coded = [row for row in valid if row["项目代码"]]

    def rows(prefix: str, count: int, *, blank_codes: bool) -> list[dict[str, str]]:
        made = []
        for n in range(count):
            row = {**coded[n % len(coded)], "宗地编号": f"370212-2099-{prefix}{n:03d}"}
            if blank_codes or n % 3 == 0:  # usually about a third are blank
                row["项目代码"] = ""
            made.append(row)
        return made

    # two ordinary days build the history the null-ratio check needs (>= 200 rows)
    for day, prefix in ((1, "A"), (2, "B")):
        sandbox.add_land_file(
            LandFile(f"land_supply_2099010{day}.csv", rows(prefix, 70, blank_codes=False))
        )
        assert ingest(hub_settings, "land")["status"] == "ok"
    resolve_and_publish(hub_settings)
    parcels = query(url, "select count(*) from shared.land_parcels")

    sandbox.add_land_file(LandFile("land_supply_20990103.csv", rows("C", 60, blank_codes=True)))
    held = ingest(hub_settings, "land")
    resolve_and_publish(hub_settings)

    assert held["status"] == "held"
    last_status, why = sync_status(url, "land")
    assert last_status == "held" and "null_ratio:project_code" in why and "100%" in why
    assert query(url, "select count(*) from shared.land_parcels") == parcels
    # nothing was rejected: every row is valid on its own
    assert query(
        url, "select count(*) from meta.rejects where batch_id = %s", held["batch_id"]
    ) == [(0,)]
