"""The hub's Airflow tasks, one definition each, shared by ``hub_sync`` and the per-department
DAGs (``ingest_<dept>``, ``resolve_and_publish``).

Each task is one call into ``hub.pipeline``; the hub is imported inside the task body, never at
parse time. XCom carries only each step's small summary dict, as one value
(``multiple_outputs=False``).
"""

from __future__ import annotations

from airflow.sdk import Param, TriggerRule, task

from hub_airflow import assets


def ingest_params() -> dict:
    """The ``full`` param every DAG with an ingest task declares (the task reads it)."""
    return {"full": Param(False, type="boolean", description="Re-read every source from the start")}


def ingest_task(source_system: str):
    """The task that ingests one department: one call to ``hub.pipeline.ingest``."""

    @task(
        task_id=f"ingest_{source_system}",
        outlets=[assets.RAW[source_system]],
        multiple_outputs=False,
    )
    def ingest_source(params=None) -> dict:
        from hub.errors import reraise_redacted
        from hub.pipeline import ingest
        from hub_airflow.connections import hub_settings

        settings = hub_settings()
        with reraise_redacted(settings, source_system):
            return ingest(settings, source_system, full=bool(params and params["full"]))

    return ingest_source


@task(
    trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS,
    outlets=[assets.SHARED_PROJECTS],
    multiple_outputs=False,
)
def resolve_and_publish() -> dict:
    from hub.errors import reraise_redacted
    from hub.pipeline import resolve_and_publish as run
    from hub_airflow.connections import hub_settings

    settings = hub_settings()
    with reraise_redacted(settings, "publish"):
        return run(settings)
