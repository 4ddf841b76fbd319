"""The monthly_bulletin DAG: it loads, runs on the 1st–3rd of each month, goes on only on the
month's first working day, and draws the month just ended."""

from __future__ import annotations

import types
from datetime import UTC, datetime
from pathlib import Path

import pendulum
import pytest

SHANGHAI = "Asia/Shanghai"


def test_it_loads_with_its_schedule_and_graph(dagbag):
    assert dagbag.import_errors == {}
    dag = dagbag.dags["monthly_bulletin"]
    assert dag.timetable.expression == "0 8 1-3 * *"
    assert str(dag.timezone) == SHANGHAI
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    graph = {task.task_id: task.downstream_task_ids for task in dag.tasks}
    assert graph == {"is_first_working_day": {"draw_bulletin"}, "draw_bulletin": set()}
    assert type(dag.get_task("is_first_working_day")).__name__.startswith("_ShortCircuit")
    assert all(task.multiple_outputs is False for task in dag.tasks)
    assert "tier:2" in dag.tags and "report" in dag.tags


def test_the_schedule_fires_on_every_months_first_working_day(dagbag):
    """Three runs a month, the first working day (always the 1st, 2nd or 3rd) among them.
    (`0 8 1-3 * 1-5` would not do: cron ORs day of month and day of week, every weekday ran.)"""
    from airflow.timetables.trigger import CronTriggerTimetable

    from hub.bulletin import first_working_day

    dag = dagbag.dags["monthly_bulletin"]
    # the scheduler's side of the DAG's timetable (the Task SDK's one only describes it)
    timetable = CronTriggerTimetable(dag.timetable.expression, timezone=dag.timezone)
    runs = []
    after = pendulum.datetime(2026, 1, 1, tz=SHANGHAI).subtract(seconds=1)
    while True:
        info = timetable.next_dagrun_info(
            last_automated_data_interval=None,
            restriction=_restriction(after),
        )
        moment = info.run_after.in_timezone(SHANGHAI)
        if moment.year > 2027:
            break
        runs.append(moment)
        after = moment
    days = {m.date() for m in runs}
    assert len(runs) == 3 * 24
    assert all(m.hour == 8 and m.day <= 3 for m in runs)
    for year in (2026, 2027):
        for month in range(1, 13):
            assert first_working_day(year, month) in days


def _restriction(after):
    from airflow.timetables.base import TimeRestriction

    return TimeRestriction(earliest=after.add(seconds=1), latest=None, catchup=True)


def _decide(dagbag, logical_date):
    task = dagbag.dags["monthly_bulletin"].get_task("is_first_working_day")
    return task.python_callable(logical_date=logical_date, dag_run=None)


@pytest.mark.parametrize(
    ("local", "goes_on"),
    [
        ((2026, 12, 1), True),  # Tuesday the 1st
        ((2026, 12, 2), False),  # the 2nd, a weekday but not the first
        ((2026, 8, 3), True),  # August 2026 starts on a Saturday: Monday the 3rd
        ((2026, 3, 2), True),  # March 2026 starts on a Sunday: Monday the 2nd
        ((2026, 3, 3), False),
        ((2026, 6, 1), True),  # a Monday the 1st
        ((2026, 6, 2), False),
    ],
)
def test_short_circuit_decision(dagbag, local, goes_on):
    logical = pendulum.datetime(*local, 8, tz=SHANGHAI).in_timezone("UTC")
    assert _decide(dagbag, logical) is goes_on


def test_decision_uses_the_shanghai_date(dagbag):
    # 2026-12-01 00:30 Shanghai is still 30 November in UTC
    assert _decide(dagbag, datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) is True
    # 2026-12-02 07:00 Shanghai is 1 December 23:00 UTC: the 2nd, not the first working day
    assert _decide(dagbag, datetime(2026, 12, 1, 23, 0, tzinfo=UTC)) is False


def test_a_run_without_logical_date_uses_run_after(dagbag):
    task = dagbag.dags["monthly_bulletin"].get_task("is_first_working_day")
    run = types.SimpleNamespace(run_after=datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    assert task.python_callable(logical_date=None, dag_run=run) is True


def test_draw_task_draws_the_month_just_ended(dagbag, monkeypatch, tmp_path):
    from hub_airflow import connections

    import hub.bulletin

    calls = []

    def fake_draw(settings, period, folder=None):
        calls.append((settings.bulletin_dir, period))
        return Path(settings.bulletin_dir) / f"bulletin-{period}.html"

    monkeypatch.setattr(hub.bulletin, "draw_bulletin", fake_draw)
    monkeypatch.setattr(connections, "warehouse_url_from_connection", lambda *a, **k: None)
    monkeypatch.setenv("HUB_BULLETIN_DIR", str(tmp_path))
    task = dagbag.dags["monthly_bulletin"].get_task("draw_bulletin")
    logical = pendulum.datetime(2027, 1, 1, 8, tz=SHANGHAI)
    result = task.python_callable(logical_date=logical, dag_run=None)
    assert calls == [(tmp_path, "2026-12")]
    assert result == str(tmp_path / "bulletin-2026-12.html")
