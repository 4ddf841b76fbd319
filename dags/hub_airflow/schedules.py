"""When each hub DAG runs: the one place for the per-department schedules.

Cron expressions are read in the DAGs' timezone, Asia/Shanghai (``defaults.START_DATE``).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import AssetAny

from hub_airflow import assets

#: ``ingest_<dept>``'s schedule, per department.
INGEST: dict[str, str] = {
    # Approval records change all day long (applications filed, permits issued, every window
    # of the service hall): a quarter of an hour keeps shared close to the counter.
    "approval": "*/15 * * * *",
    # The commerce bureau's system changes hourly (signings, contract updates): read it hourly.
    "commerce": "0 * * * *",
    # Land drops one file a day and marks it `.done` in the evening: the run starts at 18:00 and
    # its first task waits (deferred, in the triggerer) for that day's marker (ingest_departments).
    "land": "0 18 * * *",
    # Stats publishes monthly periods and revises past ones at no fixed time: a daily look at
    # 03:00, off-hours, picks up a new period or a revision within a day.
    "stats": "0 3 * * *",
}

#: A department registered in hub/sources.py with no entry above: read it daily, off-hours.
DEFAULT_INGEST = "0 4 * * *"


def ingest_schedule(source_system: str) -> str:
    return INGEST.get(source_system, DEFAULT_INGEST)


#: ``resolve_and_publish`` runs whenever any department's raw Asset got a new batch.
RESOLVE_AND_PUBLISH = AssetAny(*assets.RAW.values())


#: How long a department may go unread: an ``ingest_<dept>`` run not finished this long after it
#: was queued raises its Deadline Alert (``alerts.ingest_deadline``). The schedule's own period,
#: except land, whose evening file is expected by midnight (six hours after the 18:00 start).
INGEST_DEADLINE: dict[str, timedelta] = {
    "approval": timedelta(minutes=15),
    "commerce": timedelta(hours=1),
    "land": timedelta(hours=6),
    "stats": timedelta(days=1),
}

#: A department with no rhythm of its own (``DEFAULT_INGEST``, daily).
DEFAULT_INGEST_DEADLINE = timedelta(days=1)


def ingest_deadline(source_system: str) -> timedelta:
    return INGEST_DEADLINE.get(source_system, DEFAULT_INGEST_DEADLINE)
