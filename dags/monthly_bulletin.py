"""
### monthly_bulletin — the month's bulletin (月度调度) on the first working day of the next month

On the first working day of month M it draws the bulletin of **month M-1, the month just ended**,
into `HUB_BULLETIN_DIR` (default `$HUB_HOME/bulletins`) as `bulletin-YYYY-MM.html` and
`bulletin-YYYY-MM.xlsx`: `hub.bulletin.draw_bulletin`, which reads the month once (one snapshot)
and renders it as `hub report --period YYYY-MM --format html|xlsx --output FILE` does (headline
signing indicators, charts by source region, industry category and district, the cohort's
lifecycle funnel, the big projects and the stalled list, in Chinese). The task returns the HTML's
path (one small XCom).

**Owner:** investment-hub team (`investment-hub`).

**Schedule:** `0 8 1-3 * *` (Asia/Shanghai): 08:00 on the 1st, 2nd and 3rd of each month, so
the first working day is always among the runs (a month starting on a Saturday or Sunday has its
first weekday on the 3rd or 2nd). Not `0 8 1-3 * 1-5`: cron ORs a restricted day of month with a
restricted day of week, so that would run on every weekday of the month. The first task,
`is_first_working_day`,
short-circuits (skips the rest) unless the run's logical date, in Asia/Shanghai, is the month's
first working day: its first Monday–Friday (`hub.bulletin.first_working_day`). China's official
holiday calendar (调休: holidays on weekdays, weekends made working days, published yearly by the
State Council) is not applied: it is not available offline, so 1 October on a weekday counts as
the first working day. By 08:00 `hub_sync` (02:00) has refreshed `shared`. `catchup=False`:
a missed month is drawn by hand with `hub report --period YYYY-MM`.

**When it fails:** retried twice (10, then 20 minutes); the warehouse is only read, and
each file is written to a temporary name and renamed, so a failed try leaves no half-written
bulletin.

**Rerun safety:** the bulletin is recomputed from `shared` and the files replaced atomically;
clearing a run draws the same month again, with `shared` as it is then.
"""

from __future__ import annotations

from airflow.sdk import dag, task
from hub_airflow import assets, tags
from hub_airflow.defaults import DEFAULT_ARGS, START_DATE, TIMEZONE

SCHEDULE = "0 8 1-3 * *"


def run_day(logical_date=None, dag_run=None):
    """The Asia/Shanghai date a run is for: its logical date, or when it has none (a manual
    run may not), the time it was due to run."""
    import pendulum

    moment = logical_date or (dag_run.run_after if dag_run is not None else None)
    if moment is None:
        raise ValueError("the run has neither a logical date nor a run_after")
    return pendulum.instance(moment).in_timezone(TIMEZONE).date()


@task.short_circuit(multiple_outputs=False)
def is_first_working_day(logical_date=None, dag_run=None) -> bool:
    """True (go on) only on the month's first working day; False skips the bulletin."""
    from hub.bulletin import first_working_day

    day = run_day(logical_date, dag_run)
    return day == first_working_day(day.year, day.month)


@task(inlets=[assets.SHARED_PROJECTS], multiple_outputs=False)
def draw_bulletin(logical_date=None, dag_run=None) -> str:
    """Write the bulletin of the month before the run's (HTML and xlsx); return the HTML's path."""
    from hub_airflow.connections import hub_settings
    from hub_airflow.lineage import emit_task_lineage

    from hub.bulletin import draw_bulletin as draw
    from hub.bulletin import previous_month
    from hub.errors import reraise_redacted

    period = previous_month(run_day(logical_date, dag_run))
    settings = hub_settings()
    emit_task_lineage(settings)
    with reraise_redacted(settings, "bulletin"):
        return str(draw(settings, period))


@dag(
    schedule=SCHEDULE,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[tags.HUB, tags.REPORT, tags.LAYER_SHARED, tags.TIER_2],
    doc_md=__doc__,
)
def monthly_bulletin():
    is_first_working_day() >> draw_bulletin()


monthly_bulletin()
