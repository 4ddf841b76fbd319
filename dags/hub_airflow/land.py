"""Waiting for the land bureau's daily ``.done`` marker without holding a worker.

``LandDoneSensor`` is the standard provider's ``FileSensor`` with ``deferrable=True``: it looks
once on the worker and, if the marker is not there yet, defers to a ``FileTrigger`` that polls in
the triggerer (an asyncio loop shared by many waits), freeing the worker slot until the file
appears. The folder is ``HUB_SOURCE_LAND_DIR`` as the hub reads it (``hub_settings()``), resolved
when the task runs, never at parse time; no ``fs_default`` Connection is needed.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property

import pendulum
from airflow.providers.standard.sensors.filesystem import FileSensor

from hub_airflow.defaults import TIMEZONE

#: ``land_supply_YYYYMMDD.csv`` is complete once ``land_supply_YYYYMMDD.csv.done`` exists
#: (contracts/sources/land.md, connectors/land/settings.py).
MARKER_NAME = "land_supply_{day:%Y%m%d}.csv.done"


def marker_name(run_after) -> str:
    """The marker of the day a run is for: the Asia/Shanghai date the run was scheduled at."""
    return MARKER_NAME.format(day=pendulum.instance(run_after).in_timezone(TIMEZONE))


class LandDoneSensor(FileSensor):
    """Succeeds once the run's day's land file is marked done; waits deferred until then."""

    def __init__(self, **kwargs):
        kwargs.setdefault("poke_interval", timedelta(minutes=5).total_seconds())
        # The bureau marks the file done in the evening; by midnight it is late. The sensor then
        # fails (a sensor timeout is not retried): the run shows the day's file missing, and
        # the next evening's ingest reads every marked file, the late one too.
        kwargs.setdefault("timeout", timedelta(hours=6).total_seconds())
        kwargs.setdefault("execution_timeout", timedelta(hours=6, minutes=30))
        super().__init__(filepath="", deferrable=True, **kwargs)

    @cached_property
    def path(self) -> str:  # absolute already; FileSensor would join it to a Connection's path
        return self.filepath

    def get_openlineage_facets_on_start(self):
        """OpenLineage (when the provider is on): the drop folder this sensor reads."""
        from hub_airflow.connections import hub_settings
        from hub_airflow.lineage import operator_lineage

        return operator_lineage(self.task_id, hub_settings())

    def execute(self, context) -> None:
        from hub_airflow.connections import hub_settings

        directory = hub_settings().land.directory
        self.filepath = str(directory / marker_name(context["dag_run"].run_after))
        super().execute(context)
