"""The dispatch bulletin (月度调度 / 季度通报): ``hub report --period P [--format F]``.

* :mod:`hub.report.period` — the periods: month ``2024-03``, quarter ``2024Q1``, year to date
  ``2024YTD`` (resolved against the data);
* :mod:`hub.report.data` — one read of the warehouse, in one snapshot, into dataclasses;
* :mod:`hub.report.charts` — static SVG charts (pure Python);
* :mod:`hub.report.html`, :mod:`hub.report.xlsx`, :mod:`hub.report.jsondoc` — the formats.

:func:`render` reads and renders one bulletin; :func:`hub.bulletin.draw_bulletin` (the
``monthly_bulletin`` DAG) writes the month's HTML and xlsx into ``HUB_BULLETIN_DIR``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from hub.report.period import Period, parse_period

if TYPE_CHECKING:
    from hub.config import Settings
    from hub.report.data import Bulletin

FORMATS = ("html", "xlsx", "json")

__all__ = ["FORMATS", "Period", "parse_period", "read", "render", "render_bulletin"]


def render_bulletin(bulletin: Bulletin, fmt: str) -> bytes:
    """One read bulletin in one format (``html``, ``xlsx`` or ``json``)."""
    if fmt == "html":
        from hub.report.html import render_html

        return render_html(bulletin)
    if fmt == "xlsx":
        from hub.report.xlsx import render_xlsx

        return render_xlsx(bulletin)
    if fmt == "json":
        from hub.report.jsondoc import render_json

        return render_json(bulletin)
    raise ValueError(f"a bulletin's format is one of {', '.join(FORMATS)}, not {fmt!r}")


def read(settings: Settings, period: Period | str, today: date | None = None) -> Bulletin:
    """Read one bulletin from the warehouse (one snapshot)."""
    from hub.pipeline import warehouse_url
    from hub.report.data import read_bulletin
    from hub.warehouse.connection import connect

    with connect(warehouse_url(settings)) as conn:
        return read_bulletin(conn, period, today)


def render(settings: Settings, period: Period | str, fmt: str = "html") -> bytes:
    return render_bulletin(read(settings, period), fmt)
