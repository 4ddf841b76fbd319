"""The month's bulletin (月度调度) for the ``monthly_bulletin`` DAG, and its calendar.

The DAG runs on the first working day of month M and draws the bulletin of month M-1, the month
just ended (``previous_month``): ``draw_bulletin(settings, "2024-03")`` reads it once from the
warehouse (one snapshot, hub/report/data.py) and writes ``bulletin-2024-03.html`` and
``bulletin-2024-03.xlsx`` into ``settings.bulletin_dir`` (``HUB_BULLETIN_DIR``), each to a
temporary file renamed into place, and returns the HTML's path. ``hub report`` renders any
period (month, quarter, year to date) in any format (hub/report/).
"""

from __future__ import annotations

import calendar
import os
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.config import Settings

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def first_working_day(year: int, month: int) -> date:
    """The month's first working day: its first Monday–Friday.

    China's official holiday calendar is not applied: the State Council's yearly 调休 notice
    (public holidays such as 元旦 or 国庆 on weekdays, and weekend days made working days) is
    published each year and is not available offline, so a 1 October on a weekday counts as a
    working day here."""
    day = date(year, month, 1)
    while day.weekday() >= 5:  # Saturday, Sunday
        day += timedelta(days=1)
    return day


def parse_period(text: str) -> tuple[int, int]:
    """``"2024-03"`` → ``(2024, 3)``; ValueError for anything that is not a month."""
    match = _PERIOD.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"a month is written YYYY-MM (2024-03), not {text!r}")
    return int(match.group(1)), int(match.group(2))


def previous_month(day: date) -> str:
    """The month before ``day``'s, ``YYYY-MM``: the bulletin drawn on ``day``."""
    last = day.replace(day=1) - timedelta(days=1)
    return f"{last:%Y-%m}"


def month_end(period: str) -> date:
    year, month = parse_period(period)
    return date(year, month, calendar.monthrange(year, month)[1])


DRAWN_FORMATS = ("html", "xlsx")


def bulletin_path(folder: Path, period: str, fmt: str = "html") -> Path:
    parse_period(period)
    return Path(folder) / f"bulletin-{period}.{fmt}"


def write_atomically(path: Path, content: bytes) -> Path:
    """Write ``content``: a temporary file beside ``path``, then ``os.replace``, so a reader
    never sees half a bulletin."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def draw_bulletin(settings: Settings, period: str, folder: Path | None = None) -> Path:
    """Write the bulletin of month ``period`` (``YYYY-MM``) into ``folder`` (default
    ``settings.bulletin_dir``) as HTML and xlsx, from one read of the warehouse; return the
    HTML's path. Drawing it again rewrites the same files."""
    from hub.report import read, render_bulletin

    parse_period(period)
    folder = Path(folder or settings.bulletin_dir)
    bulletin = read(settings, period)
    paths = {
        fmt: write_atomically(bulletin_path(folder, period, fmt), render_bulletin(bulletin, fmt))
        for fmt in DRAWN_FORMATS
    }
    return paths["html"]
