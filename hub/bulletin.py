"""The month's bulletin (月度调度): the month's signing indicators as JSON, until the reports
issue (issue 15) gives the bulletin its real content (HTML, xlsx).

``draw_bulletin(settings, "2024-03")`` writes ``<folder>/bulletin-2024-03.json``; ``hub report``
and the ``monthly_bulletin`` DAG both call it. The DAG runs on the first working day of month M
and draws the bulletin of month M-1, the month just ended (``previous_month``).

Which rows of ``shared.signing_indicators`` are "the month's" (contracts/warehouse.md,
"Signing indicators"; the view mixes month, quarter and year-to-date rows): those whose period
ends on the month's last day —

* ``month``: the month itself (``2024-03``);
* ``quarter``: the quarter, only when the month ends one (``2024Q1`` for March, June, September,
  December): the contract defines whole quarters, not quarter-to-date periods, so an
  April bulletin has no quarter row;
* ``ytd``: the year to date through the month (``2024YTD03``).

A period with no counted project has no row in the view; its entry is then ``null``. Amounts and
shares are exact one-decimal numerics in the view; they are written as JSON numbers (``float``
of a one-decimal ``Decimal`` prints back the same digits), counts as integers, dates as ISO
``YYYY-MM-DD``.
"""

from __future__ import annotations

import calendar
import json
import os
import re
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.config import Settings

PERIOD_TYPES = ("month", "quarter", "ytd")
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


def bulletin_path(folder: Path, period: str) -> Path:
    parse_period(period)
    return Path(folder) / f"bulletin-{period}.json"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    return value


def bulletin_document(
    period: str, rows: list[dict[str, Any]], projects_per_stage: dict[str, int]
) -> dict[str, Any]:
    """The JSON document of a month's bulletin (pure): ``rows`` are the month's
    ``shared.signing_indicators`` rows, ``projects_per_stage`` the current count per stage."""
    from hub.lifecycle import STAGES

    year, month = parse_period(period)
    indicators: dict[str, Any] = dict.fromkeys(PERIOD_TYPES)
    for row in rows:
        kind = row["period_type"]
        if kind not in indicators or indicators[kind] is not None:
            raise ValueError(f"unexpected row for {period}: {row.get('period')!r} ({kind!r})")
        indicators[kind] = {key: _jsonable(value) for key, value in row.items()}
    stages = {stage: int(projects_per_stage.get(stage, 0)) for stage in STAGES}
    stages.update({k: int(v) for k, v in projects_per_stage.items() if k not in stages})
    return {
        "period": period,
        "month_start": date(year, month, 1).isoformat(),
        "month_end": month_end(period).isoformat(),
        "source": "shared.signing_indicators",
        "indicators": indicators,
        "projects_per_stage": stages,
    }


def write_json_atomically(path: Path, document: dict[str, Any]) -> Path:
    """Write ``document`` as UTF-8 JSON: a temporary file beside ``path``, then ``os.replace``,
    so a reader never sees half a bulletin."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_month(conn, period: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The month's indicator rows and the projects per stage: one query
    (sql/reports/month_indicators.sql)."""
    from hub.warehouse.connection import fetch_dicts

    result = fetch_dicts(conn, "reports/month_indicators.sql", {"month_end": month_end(period)})
    stages = dict(result[0]["projects_per_stage"]) if result else {}
    rows = [
        {k: v for k, v in row.items() if k != "projects_per_stage"}
        for row in result
        if row["period"] is not None
    ]
    return rows, stages


def draw_bulletin(settings: Settings, period: str, folder: Path | None = None) -> Path:
    """Write the bulletin of month ``period`` (``YYYY-MM``) into ``folder`` (default
    ``settings.bulletin_dir``) and return its path. Drawing it again rewrites the same file."""
    from hub.pipeline import warehouse_url
    from hub.warehouse.connection import connect

    path = bulletin_path(Path(folder or settings.bulletin_dir), period)
    with connect(warehouse_url(settings)) as conn:
        rows, stages = read_month(conn, period)
    return write_json_atomically(path, bulletin_document(period, rows, stages))
