"""The hub's Airflow tasks, one definition each, shared by ``hub_sync`` and the per-department
DAGs (``ingest_<dept>``, ``resolve_and_publish``).

Each task is one call into ``hub.pipeline``; the hub is imported inside the task body, never at
parse time. XCom carries only each step's small summary dict, as one value
(``multiple_outputs=False``).

Every task that writes to the warehouse runs in the pool ``hub_airflow.pools.WAREHOUSE_POOL``.
Every task of one DAG run times its steps (meta.sync_steps, `hub status`) under one run id,
``hub_run_id`` of the DAG run, as `hub sync` does for its whole pass. An ingest task's log shows
its department's progress: a ``hub.progress`` line (phase, records, records/s) at each phase
change and every ``PROGRESS_LOG_EVERY`` seconds while it lands.
"""

from __future__ import annotations

import logging
import re

from airflow.sdk import Param, TriggerRule, task

from hub_airflow import assets
from hub_airflow.defaults import PROGRESS_LOG_EVERY
from hub_airflow.pools import WAREHOUSE_POOL

#: The logger of an ingest task's progress lines; a task's logging goes to its task log.
progress_log = logging.getLogger("hub.progress")

#: What a run id keeps of an Airflow DAG id and run id; anything else becomes "_".
_RUN_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.:+-]")
#: meta.sync_steps.run_id is text without a limit; a `hub status` line should stay readable.
_RUN_ID_MAX = 200


def hub_run_id(dag_id: str, run_id: str) -> str:
    """The run id in meta.sync_steps of every task of the DAG run ``run_id`` of ``dag_id``."""
    return _RUN_ID_UNSAFE.sub("_", f"airflow-{dag_id}-{run_id}")[:_RUN_ID_MAX]


def _dag_run_clock(progress=None):
    """A StepClock under the current DAG run's run id (inside a running task only)."""
    from airflow.sdk import get_current_context

    from hub.steps import StepClock

    context = get_current_context()
    return StepClock(
        run_id=hub_run_id(context["dag_run"].dag_id, context["run_id"]), progress=progress
    )


class _LogLines:
    """A text stream that logs each line written to it, at INFO, on ``logger``: what a
    ``ProgressReporter`` in log mode writes, into the task log."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                self.logger.info("%s", line)
        return len(text)

    def flush(self) -> None:
        pass


def ingest_params(source_system: str | None = None) -> dict:
    """The params of a DAG with ingest tasks (the tasks read them): ``full``, and for the DAG
    of one department that re-pulls windows (land, stats) ``window``, the range a manual run
    re-pulls (``hub_airflow.backfill``). ``hub_sync`` (None: every department) has no window."""
    from hub_airflow.backfill import WINDOW_PARAM, window_param_help

    params = {
        "full": Param(False, type="boolean", description="Re-read every source from the start")
    }
    help_text = window_param_help(source_system) if source_system else None
    if help_text:
        params[WINDOW_PARAM] = Param("", type="string", description=help_text)
    return params


def _repull(source_system: str) -> dict:
    """``ingest``'s ``window`` for this DAG run (``hub_airflow.backfill``), if there is one."""
    from airflow.sdk import get_current_context

    from hub_airflow.backfill import window_from_context

    window = window_from_context(source_system, get_current_context())
    return {} if window is None else {"window": window}


def ingest_task(source_system: str):
    """The task that ingests one department: one call to ``hub.pipeline.ingest``."""

    @task(
        task_id=f"ingest_{source_system}",
        outlets=[assets.RAW[source_system]],
        multiple_outputs=False,
        pool=WAREHOUSE_POOL,
    )
    def ingest_source(params=None) -> dict:
        from hub.errors import reraise_redacted
        from hub.pipeline import ingest
        from hub.progress import ProgressReporter, final_phase, shown
        from hub_airflow.connections import hub_settings
        from hub_airflow.lineage import emit_task_lineage

        settings = hub_settings()
        emit_task_lineage(settings)
        reporter = ProgressReporter(
            [source_system], _LogLines(progress_log), terminal=False, every=PROGRESS_LOG_EVERY
        )
        clock = _dag_run_clock(progress=reporter.update)
        result = None
        with shown(reporter), reraise_redacted(settings, source_system):
            try:
                result = ingest(
                    settings,
                    source_system,
                    full=bool(params and params["full"]),
                    clock=clock,
                    **_repull(source_system),
                )
            finally:
                clock.tell(source_system, final_phase(result))
        return result

    return ingest_source


@task(
    trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS,
    outlets=[assets.SHARED_PROJECTS],
    multiple_outputs=False,
    pool=WAREHOUSE_POOL,
)
def resolve_and_publish() -> dict:
    from hub.errors import reraise_redacted
    from hub.pipeline import resolve_and_publish as run
    from hub_airflow.connections import hub_settings
    from hub_airflow.lineage import emit_task_lineage

    settings = hub_settings()
    emit_task_lineage(settings)
    with reraise_redacted(settings, "publish"):
        return run(settings, clock=_dag_run_clock())
