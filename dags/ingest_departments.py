"""
One ingest DAG per department, `ingest_<dept>`, each on its own department's rhythm
(`hub_airflow/schedules.py`), generated from the hub's department registry (hub/sources.py):
a department registered there gets its DAG with no edit here (daily at 04:00 until
schedules.py gives it a rhythm of its own).

Each DAG's one task is `hub_sync`'s `ingest_<dept>` task (`hub_airflow/tasks.py`, one
definition): it reads the department into `raw`, validates and merges it into core, and emits
the department's raw Asset (`hub.raw.<dept>`). Publishing is not done here: the
`resolve_and_publish` DAG is scheduled on those Assets.
"""

from __future__ import annotations

from airflow.sdk import DAG
from hub_airflow import assets, schedules, tags
from hub_airflow.alerts import ingest_deadline
from hub_airflow.defaults import DEADLINES, DEFAULT_ARGS, START_DATE
from hub_airflow.land import LandDoneSensor
from hub_airflow.tasks import ingest_params, ingest_task

DEPARTMENT_TAGS = {tag.removeprefix("dept:"): tag for tag in tags.DEPARTMENTS}

DOC_MD = """
### ingest_{dept} — read the {dept} department into the hub

One call to `hub.pipeline.ingest` for `{dept}`, the same task as `hub_sync`'s `ingest_{dept}`:
everything new since the department's watermark is landed in `raw`, audited and merged into
core. On success it emits the Asset `hub.raw.{dept}`, which triggers `resolve_and_publish`.

**Owner:** investment-hub team (`investment-hub`).

**Schedule:** `{schedule}` (Asia/Shanghai). {why}

`max_active_runs=1`: two runs of one department never overlap (the warehouse's advisory locks
would serialize them anyway; this keeps the second from waiting in a worker). `catchup=False`:
every run reads everything new since its watermark, so a missed run needs no backfill.

**When the department is down:** the task is retried twice (10, then 20 minutes) and then fails;
each failed try marks the department 'failed' in `shared.sync_status` with a one-line reason,
redacted as in `hub sync`. The last failure also goes to `meta.alerts` (`hub status`) and, where
configured, to a webhook or by mail (`hub_airflow/alerts.py`). The other departments' DAGs are
not affected.

**Deadline:** a run not finished {deadline} after it was queued raises an 'overdue' alert (kept
and sent the same way): the department has gone unread longer than expected.

**Rerun safety:** the ingest is idempotent (batch ids derived from the records, watermarks moved
in the same transaction as the rows, merges change only what differs). Param `full=true`
re-reads the department from the beginning and changes nothing that is already right.
"""

WHY = {
    "approval": "Approval records change all day: every 15 minutes.",
    "commerce": "The commerce system changes hourly: every hour.",
    "land": (
        "The land bureau drops one file a day and marks it `.done` in the evening. The run starts "
        "at 18:00; its first task, `wait_for_done_marker`, waits for that day's "
        "`land_supply_YYYYMMDD.csv.done` in `HUB_SOURCE_LAND_DIR`, then the ingest runs at once. "
        "The sensor is deferrable (the standard provider's `FileSensor`, `deferrable=True`): it "
        "looks once, then hands the wait to a `FileTrigger` in the triggerer, so no worker sits "
        "in a poke loop. No marker by midnight (6 h): the sensor fails the run (a late file is "
        "read by the next evening's run, which reads every marked file)."
    ),
    "stats": (
        "Stats publishes monthly periods and revises past ones at no fixed time: a daily look "
        "at 03:00 picks up a new period or a revision within a day."
    ),
}
DEFAULT_WHY = "No rhythm of its own in `hub_airflow/schedules.py` yet: daily, off-hours."

for _dept in assets.SOURCE_SYSTEMS:
    _schedule = schedules.ingest_schedule(_dept)
    _dept_tags = [DEPARTMENT_TAGS[_dept]] if _dept in DEPARTMENT_TAGS else []
    with DAG(
        dag_id=f"ingest_{_dept}",
        schedule=_schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        deadline=ingest_deadline(_dept) if DEADLINES else None,
        default_args=DEFAULT_ARGS,
        params=ingest_params(_dept),
        tags=[tags.HUB, tags.SYNC, *_dept_tags, tags.LAYER_RAW, tags.TIER_1],
        doc_md=DOC_MD.format(
            dept=_dept,
            schedule=_schedule,
            why=WHY.get(_dept, DEFAULT_WHY),
            deadline=schedules.ingest_deadline(_dept),
        ),
    ):
        _ingest = ingest_task(_dept)()
        if _dept == "land":
            LandDoneSensor(task_id="wait_for_done_marker") >> _ingest
