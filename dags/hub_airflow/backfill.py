"""Which range of a department an ingest task re-pulls: the Airflow side of a backfill.

``repull_window`` is pure: from a DAG run's type, its data interval and its params it says
the window (``connectors.common.window.RepullWindow``) that ``hub.pipeline.ingest`` re-pulls,
or None for the normal incremental read:

- a BACKFILL run (``airflow backfill create --dag-id ingest_land --from-date … --to-date …``)
  re-pulls what its data interval covers, read in Asia/Shanghai: land the date(s) of the
  interval, stats the period(s) (months) it falls in. With Airflow 3's cron timetables a
  run's interval is the single instant it is scheduled at (``data_interval_start ==
  data_interval_end``): the 18:00 land run of 2024-03-05 re-pulls ``land_supply_20240305``,
  any stats run in March 2024 the period ``2024-03``. An interval with a length covers the
  days from its start up to, not including, its end.
- a manual run (or a backfill) may name the range itself with the param ``window``
  (``"2024-03-01..2024-03-05"``, ``"2024-01..2024-03"``, one value); it wins over the data
  interval.
- any other run (scheduled, asset-triggered) → None.

Only the departments in ``WINDOW_UNITS`` take a window; for the others it is always None (a
``window`` param given to them is an error). Kept free of Airflow imports, so it is tested
without a metadata database; the hub's ``connectors`` are imported when a window is made,
never at parse time (``ingest_params`` reads ``WINDOW_UNITS`` while a DAG file is parsed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from connectors.common.window import RepullWindow, WindowUnit

#: The departments' time zone (contracts/README.md), the DAGs' too (``defaults.TIMEZONE``).
TIMEZONE = ZoneInfo("Asia/Shanghai")

#: The departments whose ingest re-pulls a window, and its unit (the connector's
#: ``window_unit``): land by file date, stats by period.
WINDOW_UNITS: dict[str, WindowUnit] = {"land": "day", "stats": "month"}

#: The DAG param that names a window by hand.
WINDOW_PARAM = "window"

BACKFILL = "backfill"  # DagRunType.BACKFILL_JOB
MANUAL = "manual"  # DagRunType.MANUAL


def window_param_help(source_system: str) -> str | None:
    """The description of the ``window`` param of a department's DAG; None if it takes none."""
    unit = WINDOW_UNITS.get(source_system)
    if unit == "day":
        return (
            "Re-pull the land files of these dates even if read before (a backfill): "
            "YYYY-MM-DD or YYYYMMDD, one or FIRST..LAST, e.g. 2024-03-01..2024-03-05. "
            "Empty: read what is new."
        )
    if unit == "month":
        return (
            "Re-pull these stats periods at their current revision even if read before "
            "(a backfill): YYYY-MM, one or FIRST..LAST, e.g. 2024-01..2024-03. "
            "Empty: read what is new."
        )
    return None


def repull_window(
    source_system: str,
    run_type: Any,
    data_interval_start: dt.datetime | None,
    data_interval_end: dt.datetime | None,
    params: Mapping[str, Any] | None = None,
) -> RepullWindow | None:
    """The window an ingest of ``source_system`` re-pulls in this DAG run, or None (see the
    module docstring). ``run_type``: a ``DagRunType`` or its value. Raises ValueError for a
    malformed ``window`` param, one given to a department that takes none, or a backfill run
    without a data interval."""
    text = str((params or {}).get(WINDOW_PARAM) or "").strip()
    unit = WINDOW_UNITS.get(source_system)
    if unit is None:
        if text:
            raise ValueError(
                f"{source_system} takes no re-pull window (only "
                f"{', '.join(sorted(WINDOW_UNITS))} do); clear the {WINDOW_PARAM!r} param"
            )
        return None
    kind = getattr(run_type, "value", run_type)
    if kind not in (BACKFILL, MANUAL):
        return None
    if text:
        from connectors.common.window import parse_window

        return parse_window(text, unit)
    if kind != BACKFILL:
        return None
    return interval_window(unit, data_interval_start, data_interval_end)


def interval_window(
    unit: WindowUnit, start: dt.datetime | None, end: dt.datetime | None
) -> RepullWindow:
    """The days (or months) a data interval covers in Asia/Shanghai: from its start's day to
    the day of its last instant (its end excluded, unless the interval is an instant)."""
    from connectors.common.window import MONTH, RepullWindow

    if start is None:
        raise ValueError("a backfill run without a data interval: name the range in 'window'")
    end = start if end is None else end
    for instant in (start, end):
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"data interval bound {instant!r} has no time zone")
    if end < start:
        raise ValueError(f"data interval ends ({end}) before it starts ({start})")
    last = end - dt.timedelta(microseconds=1) if end > start else end
    first_day = start.astimezone(TIMEZONE).date()
    last_day = last.astimezone(TIMEZONE).date()
    if unit == MONTH:
        return RepullWindow(MONTH, first_day.replace(day=1), last_day.replace(day=1))
    return RepullWindow.days(first_day, last_day)


def window_from_context(source_system: str, context: Mapping[str, Any]) -> RepullWindow | None:
    """``repull_window`` for the running task's DAG run (its Airflow context)."""
    dag_run = context["dag_run"]
    return repull_window(
        source_system,
        dag_run.run_type,
        context.get("data_interval_start"),
        context.get("data_interval_end"),
        context.get("params"),
    )
