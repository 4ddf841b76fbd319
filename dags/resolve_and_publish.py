"""
### resolve_and_publish — publish as soon as any department landed new data

Links the records in core to hub projects, derives every project's lifecycle stage and
refreshes schema `shared`: `hub.pipeline.resolve_and_publish`, the same task as `hub_sync`'s
`resolve_and_publish` (`hub_airflow/tasks.py`, one definition). Emits the Asset
`hub.shared.projects` for whatever reads `shared`.

**Owner:** investment-hub team (`investment-hub`).

**Schedule:** data-aware: any of the departments' raw Assets (`hub.raw.<dept>`, one per
department in the hub's registry, `AssetAny`), i.e. whenever an `ingest_<dept>` DAG (or
`hub_sync`) landed a batch. Events that arrive while a run is going are not lost: they queue
the next run, and `max_active_runs=1` keeps two publishes from overlapping (the warehouse's
advisory lock would serialize them anyway). `catchup=False`: publishing recomputes `shared`
from core, so one run covers every event before it.

**When it fails:** retried twice (10, then 20 minutes); `shared.sync_status` shows
`publish` failed with a one-line reason, redacted as in `hub sync`. The departments' data stays
in core and the next event (or a manual run) publishes it.

**Rerun safety:** publishing recomputes `shared` from core and changes only what differs; a
rerun, or a run with nothing new, leaves the same `shared`.
"""

from __future__ import annotations

from airflow.sdk import dag
from hub_airflow import schedules, tags
from hub_airflow.defaults import DEFAULT_ARGS, START_DATE
from hub_airflow.tasks import resolve_and_publish as resolve_and_publish_task


@dag(
    schedule=schedules.RESOLVE_AND_PUBLISH,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[tags.HUB, tags.SYNC, tags.LAYER_CORE, tags.LAYER_SHARED, tags.TIER_1],
    doc_md=__doc__,
)
def resolve_and_publish():
    resolve_and_publish_task()


resolve_and_publish()
