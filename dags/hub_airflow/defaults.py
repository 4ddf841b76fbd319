"""Arguments every hub DAG shares."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta

import pendulum

from hub_airflow.alerts import HubFailureNotifier

OWNER = "investment-hub"

#: Department times are Asia/Shanghai (contracts/README.md); schedules are written in it too.
TIMEZONE = pendulum.timezone("Asia/Shanghai")

#: First schedulable date of every hub DAG; with ``catchup=False`` it never triggers a backfill.
START_DATE = pendulum.datetime(2026, 1, 1, tz=TIMEZONE)

DEFAULT_ARGS: dict = {
    "owner": OWNER,
    # A department system that is briefly down (HTTP 5xx, a restart) usually is back within
    # minutes; every task is idempotent, so a retry is always safe.
    # HUB_AIRFLOW_TASK_RETRIES=0 for one-shot runs (`hub demo`) that should fail fast.
    "retries": int(os.environ.get("HUB_AIRFLOW_TASK_RETRIES", "2")),
    "retry_delay": timedelta(minutes=10),
    "retry_exponential_backoff": 2.0,  # 10 min, then 20 min
    "max_retry_delay": timedelta(minutes=30),
    # A sync that hangs this long is stuck on a source, not slow: fail it and let the retry run.
    "execution_timeout": timedelta(hours=2),
    # Once a task has failed for good: kept in the warehouse (shared.sync_status for an ingest,
    # meta.alerts for all), sent by webhook or mail where configured (hub_airflow/alerts.py).
    "on_failure_callback": [HubFailureNotifier()],
}


#: Whether the ingest DAGs carry their Deadline Alerts (hub_airflow/alerts.py): ``DEADLINES``.
#: Off only for `airflow dags test` of an ingest DAG: in Airflow 3.3.2 a test run of a DAG with
#: a Deadline Alert fails once its tasks have succeeded (DagRun.update_state looks the alert up
#: by an id only the DAG processor gives it). HUB_AIRFLOW_DEADLINES=off for that; never in a
#: deployment.
def deadlines_enabled(env: Mapping[str, str]) -> bool:
    return env.get("HUB_AIRFLOW_DEADLINES", "on").strip().lower() not in ("off", "0", "false")


DEADLINES = deadlines_enabled(os.environ)

#: How often (seconds) an ingest task logs its department's progress while the phase lasts;
#: a phase change is logged at once (hub_airflow/tasks.py).
PROGRESS_LOG_EVERY = 30.0
