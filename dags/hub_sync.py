"""
### hub_sync — one complete pass of the investment-project hub

Reads all four departments (commerce 商务局, approval 行政审批局, land 自然资源和规划局,
stats 统计局) in parallel, each into `raw`, validated and merged into core; then links the
records to hub projects, derives every project's lifecycle stage and refreshes schema `shared`;
then logs per-stage and per-source counts. The same steps as `hub sync`, in the same order
(`hub.pipeline`); this DAG adds the schedule, retries and Assets, no logic.

**Owner:** investment-hub team (`investment-hub`).

**Schedule:** daily at 02:00 Asia/Shanghai. The departments export during the working day (the land
bureau's daily file is marked done in the evening), so by 02:00 a day's changes are in. A daily
refresh keeps `shared` current, so the monthly dispatch (月度调度) and the quarterly bulletin can be
drawn on whatever day they are due without waiting for a sync. `catchup=False`: every pass reads
everything new since its own watermarks, so a missed day needs no backfill, the next run covers it.

**When a department is down** (or its ingest fails in any other way — a database error, an audit
error, a bug): its `ingest_<dept>` task is retried twice (10, then 20 minutes) and then fails;
each failed try marks the department 'failed' in `shared.sync_status` with a one-line reason.
`resolve_and_publish` still runs as long as at least one department was read
(`all_done_min_one_success`), so one department's outage does not hold back the others' news.
`flag_failed_ingests` then fails on purpose: Airflow judges a run by its last tasks only, and
without it a run with a failed ingest would end green. A task's error is re-raised as
`<dept> FAILED: <one line>` (`hub.errors.reraise_redacted`, the same redaction as `hub sync`):
the task log shows the traceback's frames, never a secret or a record's payload.

**Rerun safety:** every step is idempotent. A batch id is derived from the records, watermarks move
in the same transaction as the rows they cover, merges change only what differs, and publishing
recomputes `shared` from core. Clear a failed `ingest_<dept>` together with its downstream tasks
once the department is back; a manual run with param `full=true` re-reads every department from
the beginning (a full resync) and still changes nothing that is already right.

XCom carries only each step's small summary dict, as one value (`multiple_outputs=False`: a
`-> dict` annotation would otherwise split it into one XCom per key); records travel through the
warehouse.
"""

from __future__ import annotations

from airflow.sdk import TriggerRule, dag, task
from hub_airflow import assets, tags
from hub_airflow.defaults import DEFAULT_ARGS, START_DATE
from hub_airflow.tasks import ingest_params, ingest_task, resolve_and_publish


@task(multiple_outputs=False)
def summarize() -> dict:
    from hub_airflow.connections import hub_settings
    from hub_airflow.lineage import emit_task_lineage

    from hub.errors import reraise_redacted
    from hub.pipeline import summarize as run

    settings = hub_settings()
    emit_task_lineage(settings)
    with reraise_redacted(settings, "summarize"):
        return run(settings)


@task(trigger_rule=TriggerRule.ONE_FAILED, retries=0)
def flag_failed_ingests() -> None:
    """Runs only when an ingest failed, and fails the run (skipped, i.e. green, otherwise)."""
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException(
        "at least one department could not be ingested; see the failed ingest_* task(s). "
        "The other departments' data was published."
    )


@dag(
    schedule="0 2 * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=ingest_params(),
    tags=[tags.HUB, tags.SYNC, *tags.DEPARTMENTS, tags.LAYER_SHARED, tags.TIER_1],
    doc_md=__doc__,
)
def hub_sync():
    ingests = [ingest_task(dept)() for dept in assets.SOURCE_SYSTEMS]
    ingests >> resolve_and_publish() >> summarize()
    ingests >> flag_failed_ingests()


hub_sync()
