"""``hub_airflow.backfill``: which window an ingest task re-pulls for a DAG run (issue 14).
Pure functions: no metadata database, no DAG run."""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pendulum
import pytest

from connectors.common.window import DAY, MONTH, RepullWindow

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
if str(DAGS_FOLDER) not in sys.path:  # as Airflow puts the bundle folder on it
    sys.path.insert(0, str(DAGS_FOLDER))
backfill = importlib.import_module("hub_airflow.backfill")
WINDOW_UNITS = backfill.WINDOW_UNITS
interval_window = backfill.interval_window
repull_window = backfill.repull_window

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
D = dt.date


def at(*args, tz=SHANGHAI) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)


def test_the_units_are_the_connectors():
    from connectors.land import LandConnector
    from connectors.stats import StatsConnector

    assert {
        "land": LandConnector.window_unit,
        "stats": StatsConnector.window_unit,
    } == WINDOW_UNITS


def test_a_backfill_run_of_land_repulls_the_day_it_is_scheduled_for():
    # Airflow 3's cron timetable: the interval is the instant 18:00 Shanghai = 10:00 UTC
    instant = pendulum.datetime(2024, 3, 5, 10, 0, tz="UTC")
    assert repull_window("land", "backfill", instant, instant, {}) == RepullWindow.days(
        D(2024, 3, 5)
    )


def test_the_day_is_the_shanghai_day_not_the_utc_one():
    # 2024-03-05 20:00 UTC is already 2024-03-06 04:00 in Shanghai
    instant = at(2024, 3, 5, 20, 0, tz=UTC)
    assert interval_window(DAY, instant, instant) == RepullWindow.days(D(2024, 3, 6))
    # and 2024-03-31 17:00 UTC is 2024-04-01 01:00: the stats period is April's
    instant = at(2024, 3, 31, 17, 0, tz=UTC)
    assert interval_window(MONTH, instant, instant) == RepullWindow.months("2024-04")


def test_a_data_interval_covers_its_days_up_to_not_including_its_end():
    start, end = at(2024, 3, 1), at(2024, 3, 4)
    assert interval_window(DAY, start, end) == RepullWindow.days(D(2024, 3, 1), D(2024, 3, 3))
    start, end = at(2024, 3, 1, 18), at(2024, 3, 2, 18)  # a daily interval at 18:00
    assert interval_window(DAY, start, end) == RepullWindow.days(D(2024, 3, 1), D(2024, 3, 2))


def test_the_stats_run_of_new_years_day_is_january_though_utc_says_december():
    # `airflow backfill create --dag-id ingest_stats --from-date 2024-01-01T00:00:00+08:00 …`
    # creates the run of 2024-01-01 03:00 Shanghai, whose interval is 2023-12-31 19:00 UTC
    instant = pendulum.datetime(2023, 12, 31, 19, 0, tz="UTC")
    assert repull_window("stats", "backfill", instant, instant) == RepullWindow.months("2024-01")


def test_a_stats_backfill_run_repulls_the_periods_its_interval_falls_in():
    instant = at(2024, 2, 29, 3)  # the daily 03:00 look, leap day
    assert repull_window("stats", "backfill", instant, instant) == RepullWindow.months("2024-02")
    # an interval across a month end: both periods; its end (midnight) excluded
    start, end = at(2024, 1, 31, 3), at(2024, 2, 1, 3)
    assert repull_window("stats", "backfill", start, end) == RepullWindow.months(
        "2024-01", "2024-02"
    )
    start, end = at(2024, 1, 1), at(2024, 2, 1)
    assert repull_window("stats", "backfill", start, end) == RepullWindow.months("2024-01")
    start, end = at(2023, 12, 15), at(2024, 3, 2)
    assert repull_window("stats", "backfill", start, end) == RepullWindow.months(
        "2023-12", "2024-03"
    )


def test_run_types_decide_whether_there_is_a_window():
    from airflow.utils.types import DagRunType

    instant = at(2024, 3, 5, 18)
    none = {"window": ""}
    given = {"window": "2024-03-01..2024-03-02"}
    wanted = RepullWindow.days(D(2024, 3, 1), D(2024, 3, 2))
    # scheduled and asset-triggered runs read what is new, whatever the params say
    for kind in (DagRunType.SCHEDULED, DagRunType.ASSET_TRIGGERED, "scheduled"):
        assert repull_window("land", kind, instant, instant, given) is None
    # a manual run: the param, or nothing
    assert repull_window("land", DagRunType.MANUAL, instant, instant, none) is None
    assert repull_window("land", DagRunType.MANUAL, None, None, {}) is None
    assert repull_window("land", DagRunType.MANUAL, instant, instant, given) == wanted
    # a backfill: the param wins over the data interval
    assert repull_window("land", DagRunType.BACKFILL_JOB, instant, instant, given) == wanted
    assert repull_window("land", DagRunType.BACKFILL_JOB, instant, instant, none) == (
        RepullWindow.days(D(2024, 3, 5))
    )
    periods = {"window": "2024-01..2024-03"}
    assert repull_window("stats", DagRunType.MANUAL, None, None, periods) == (
        RepullWindow.months("2024-01", "2024-03")
    )


def test_departments_without_windows_get_none_and_refuse_the_param():
    instant = at(2024, 3, 5, 18)
    for dept in ("commerce", "approval"):
        assert repull_window(dept, "backfill", instant, instant, {}) is None
        assert repull_window(dept, "manual", instant, instant, {"full": True}) is None
        with pytest.raises(ValueError, match=f"{dept} takes no re-pull window"):
            repull_window(dept, "manual", instant, instant, {"window": "2024-03"})


def test_bad_params_and_intervals_are_clear_errors():
    instant = at(2024, 3, 5, 18)
    with pytest.raises(ValueError, match="is reversed"):
        repull_window("land", "manual", None, None, {"window": "20240305..20240301"})
    with pytest.raises(ValueError, match="is not a period YYYY-MM"):
        repull_window("stats", "manual", None, None, {"window": "2024-03-01"})
    with pytest.raises(ValueError, match="without a data interval"):
        repull_window("land", "backfill", None, None, {})
    with pytest.raises(ValueError, match="no time zone"):
        interval_window(DAY, dt.datetime(2024, 3, 5), dt.datetime(2024, 3, 5))
    with pytest.raises(ValueError, match="before it starts"):
        interval_window(DAY, instant, instant - dt.timedelta(hours=1))


def test_the_window_param_is_declared_for_land_and_stats_dags_only(dagbag):
    for dept in ("land", "stats"):
        params = dagbag.dags[f"ingest_{dept}"].params
        assert params["window"] == "" and params["full"] is False
    for dag_id in ("ingest_commerce", "ingest_approval", "hub_sync"):
        assert "window" not in dagbag.dags[dag_id].params
        assert "full" in dagbag.dags[dag_id].params


class WindowRecorder:
    """Stands in for ``hub.pipeline``: records each ingest's department and window."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def ingest(self, settings, source_system, *, full=False, clock=None, window=None):
        self.calls.append((source_system, window))
        return {"source_system": source_system, "records_received": 0, "status": "ok"}


@pytest.mark.slow
def test_a_manual_run_passes_its_window_param_to_the_ingest(run_dag, load_dagbag, monkeypatch):
    import types

    recorder = WindowRecorder()
    fake = types.ModuleType("hub.pipeline")
    fake.ingest = recorder.ingest
    monkeypatch.setitem(sys.modules, "hub.pipeline", fake)
    monkeypatch.setenv("HUB_WAREHOUSE_URL", "postgresql+psycopg://env@env-host:5432/hub")

    def dag(dag_id):  # parsed afresh: dag.test() keeps one run's conf in the DAG's params
        return load_dagbag().dags[dag_id]

    skip_sensor = {"mark_success_pattern": "wait_for_done_marker"}
    run_dag(dag("ingest_land"), run_conf={"window": "20240301..20240305"}, **skip_sensor)
    run_dag(dag("ingest_stats"), run_conf={"window": "2024-01..2024-03"})
    run_dag(dag("ingest_stats"))  # no window: what is new

    assert recorder.calls == [
        ("land", RepullWindow.days(D(2024, 3, 1), D(2024, 3, 5))),
        ("stats", RepullWindow.months("2024-01", "2024-03")),
        ("stats", None),
    ]
