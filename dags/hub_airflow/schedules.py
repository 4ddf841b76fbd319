"""When each hub DAG runs: the one place for the per-department schedules.

Cron expressions are read in the DAGs' timezone, Asia/Shanghai (``defaults.START_DATE``).
"""

from __future__ import annotations

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
