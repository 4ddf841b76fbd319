"""Re-pulling a range of land dates or stats periods (issue 14, backfill), against the sandbox
departments and a real warehouse:

- after a normal sync, `hub sync --dates … --periods …` re-reads exactly those files and
  periods and leaves the warehouse as it was: every row of raw, core and shared, and the
  connectors' state;
- a land file re-delivered with new content, which a normal sync refuses (an incident), is
  brought in by re-pulling its date — into raw and core — and only its entry of the state
  moves;
- a revised stats period is pulled by a window naming it, and a revision of a period outside
  the window waits for the next normal sync.
"""

from __future__ import annotations

import copy

import pytest

from connectors.common.window import RepullWindow
from hub.pipeline import ingest
from hub.sandbox import LandFile
from hub.warehouse.connection import connect
from tests.conftest import use_hub_env
from tests.snapshots import BOOKKEEPING_COLUMNS, SNAPSHOT_EXCLUDES, schema_snapshot

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SOURCES = ("commerce", "approval", "land", "stats")


def _rows(url: str, query: str, params=None) -> list[tuple]:
    with connect(url) as conn:
        return conn.execute(query, params).fetchall()


def source_states(url: str) -> dict[str, dict]:
    return dict(_rows(url, "select source_system, state from meta.source_state"))


def warehouse(url: str) -> dict[str, list[str]]:
    """Every row of every table and view of raw, core and shared (but the run bookkeeping)."""
    return {
        f"{schema}.{name}": rows
        for schema in ("raw", "core", "shared")
        for name, rows in schema_snapshot(
            url, schema, skip=SNAPSHOT_EXCLUDES, drop_columns=BOOKKEEPING_COLUMNS
        ).items()
    }


def batches_after(url: str, seen: int) -> list[tuple]:
    return _rows(
        url,
        "select source_system, status, records_received, records_new from meta.batches"
        " order by started_at offset %s",
        (seen,),
    )


def file_day(name: str) -> str:
    return name.removeprefix("land_supply_")[:8]


def iso(day: str) -> str:
    return f"{day[:4]}-{day[4:6]}-{day[6:]}"


def test_repulling_dates_and_periods_gives_the_warehouse_of_the_original_runs(
    hub_settings, sandbox, monkeypatch, capsys
):
    from hub.cli import main as hub_main

    url = hub_settings.warehouse_url
    use_hub_env(monkeypatch, sandbox, hub_settings)
    assert hub_main(["sync", "--no-progress"]) == 0
    before, states = warehouse(url), source_states(url)
    (seen,) = _rows(url, "select count(*) from meta.batches")[0]

    deliveries = sandbox.land_deliveries()
    assert len(deliveries) >= 4
    in_dates = deliveries[1:-1]  # neither the first nor the last file
    dates = f"{iso(file_day(in_dates[0].name))}..{iso(file_day(in_dates[-1].name))}"
    periods = sandbox.stats_periods()
    in_periods = [p for p in periods if "2024-11" <= p.period <= "2025-05"]
    assert len(in_periods) == 7 and any(not p.closed for p in in_periods)

    capsys.readouterr()
    argv = ["sync", "--source", "land", "--source", "stats", "--dates", dates]
    assert hub_main([*argv, "--periods", "2024-11..2025-05", "--no-progress"]) == 0
    printed = capsys.readouterr().out

    # exactly the files and the periods in range were read, and nothing of them was new
    assert batches_after(url, seen) == [
        ("land", "merged", sum(len(d.rows) for d in in_dates), 0),
        ("stats", "merged", sum(len(p.rows) for p in in_periods), 0),
    ], printed
    assert source_states(url) == states
    after = warehouse(url)
    assert after.keys() == before.keys()
    assert {name for name in before if before[name] != after[name]} == set()
    assert before["raw.land__parcels"] and before["raw.stats__roster"]
    assert before["core.land_parcels"] and before["core.stats_roster"] and before["shared.projects"]


def _untouched_later(deliveries, index: int) -> tuple[int, dict[str, str]] | None:
    """A readable row of ``deliveries[index]`` whose parcel no later row repeats: the row
    core holds for that parcel."""
    later = [row["宗地编号"] for d in deliveries[index + 1 :] for row in d.rows]
    rows = deliveries[index].readable_rows()
    for position, (line, row) in enumerate(rows):
        key = row["宗地编号"]
        if key not in later and key not in [r["宗地编号"] for _, r in rows[position + 1 :]]:
            return line, row
    return None


def test_repulling_a_redelivered_land_date_brings_its_new_content_in(hub_settings, sandbox):
    url = hub_settings.warehouse_url
    ingest(hub_settings, "land")
    deliveries = sandbox.land_deliveries()
    index, (_line, row) = next(
        (i, found)
        for i in range(len(deliveries) - 1, -1, -1)
        if (found := _untouched_later(deliveries, i)) is not None
    )
    delivered, key = deliveries[index], row["宗地编号"]
    core_name = "select project_name from core.land_parcels where parcel_id = %s"
    assert _rows(url, core_name, (key,)) == [(row["项目名称"],)]
    states = source_states(url)["land"]

    altered = [dict(r, 项目名称="改写后的项目名称") if r is row else r for r in delivered.rows]
    sandbox.add_land_file(LandFile(delivered.name, altered))  # same name, new bytes
    redelivered = next(d for d in sandbox.land_deliveries() if d.name == delivered.name)
    assert redelivered.sha256 != delivered.sha256

    refused = ingest(hub_settings, "land")
    assert (refused["records_new"], refused["incidents"]) == (0, 1)
    assert _rows(url, core_name, (key,)) == [(row["项目名称"],)]
    assert source_states(url)["land"] == states

    day = file_day(delivered.name)
    repulled = ingest(hub_settings, "land", window=RepullWindow.days(_date(day)))
    assert repulled["records_received"] == len(delivered.rows)
    assert (repulled["records_new"], repulled["incidents"], repulled["status"]) == (1, 1, "ok")
    assert _rows(url, core_name, (key,)) == [("改写后的项目名称",)]
    assert [kind for (kind,) in _rows(url, "select kind from meta.incidents order by 1")] == [
        "land_file_redelivered",
        "land_file_redelivered_applied",
    ]
    # only the re-pulled file's entry moved
    expected = copy.deepcopy(states)
    expected["files"][delivered.name] = redelivered.sha256
    assert source_states(url)["land"] == expected

    # and the next normal sync has nothing to say about it any more
    again = ingest(hub_settings, "land")
    assert (again["records_received"], again["incidents"]) == (0, 0)


def _date(day: str):
    import datetime as dt

    return dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))


def test_a_window_pulls_a_revised_stats_period_and_leaves_the_others_for_later(
    hub_settings, sandbox
):
    url = hub_settings.warehouse_url
    ingest(hub_settings, "stats")
    states = source_states(url)["stats"]
    target, other = [p for p in sandbox.stats_periods() if not p.closed][-2:]
    rows = copy.deepcopy(target.rows[:-1])
    rows[0]["completed_investment_ytd_wan"] = rows[0]["completed_investment_ytd_wan"] + 100
    sandbox.set_stats_period(target.period, target.revision + 1, rows, closed=False)
    sandbox.set_stats_period(other.period, other.revision + 1, other.rows[:-1], closed=False)

    pulled = ingest(hub_settings, "stats", window=RepullWindow.months(target.period))
    assert (pulled["records_received"], pulled["records_new"]) == (len(rows), len(rows))
    assert pulled["status"] == "ok"
    expected = copy.deepcopy(states)
    expected["periods"][target.period] = {"revision": target.revision + 1, "closed": False}
    assert source_states(url)["stats"] == expected  # `other` still at its old revision
    roster = "select stat_project_id, revision from core.stats_roster where period = %s"
    pulled_roster = _rows(url, roster, (target.period,))
    # the new revision replaced the old one (a row the audit rejects is not in core)
    assert {rev for _, rev in pulled_roster} == {target.revision + 1}
    assert {key for key, _ in pulled_roster} <= {r["stat_project_id"] for r in rows}
    assert target.rows[-1]["stat_project_id"] not in {key for key, _ in pulled_roster}
    assert {rev for _, rev in _rows(url, roster, (other.period,))} == {other.revision}

    later = ingest(hub_settings, "stats")
    assert later["records_received"] == len(other.rows) - 1
    assert source_states(url)["stats"]["periods"][other.period]["revision"] == other.revision + 1


def test_departments_without_windows_refuse_one_before_anything_is_written(hub_settings):
    url = hub_settings.warehouse_url
    for source in ("commerce", "approval"):
        with pytest.raises(ValueError, match=f"{source} takes no re-pull window"):
            ingest(hub_settings, source, window=RepullWindow.days(_date("20240301")))
    with pytest.raises(ValueError, match="not of days"):
        ingest(hub_settings, "stats", window=RepullWindow.days(_date("20240301")))
    with pytest.raises(ValueError, match="takes no window"):
        ingest(hub_settings, "land", full=True, window=RepullWindow.days(_date("20240301")))
    assert _rows(url, "select count(*) from meta.batches") == [(0,)]
