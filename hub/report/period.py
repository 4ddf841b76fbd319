"""The bulletin's periods: a month ``2024-03``, a quarter ``2024Q1``, a year to date ``2024YTD``.

A year to date runs from 1 January through a month that depends on the data, so it is resolved
against the warehouse (:func:`hub.report.data.read_bulletin`, in the bulletin's own snapshot):
through the month of the year's latest year-to-date row of ``shared.signing_indicators``
(``2024YTD03``). That view has a YTD row for every month of a past year from its first month
with data through December, and for the latest year with data through its latest month with
data; so ``2024YTD`` is "January to the latest month with signing data in 2024" for the latest
year, and the whole year for a past one. A year without any signing data in the view runs
through today's month when it is the current year, else through December (an empty bulletin).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_YTD = re.compile(r"^(\d{4})YTD$")


@dataclass(frozen=True)
class Period:
    """One bulletin period. ``kind`` is ``month``, ``quarter`` or ``ytd``; ``first_month`` and
    ``last_month`` (1–12) bound it within ``year``; a YTD's ``last_month`` is None until
    resolved (:meth:`through`)."""

    text: str
    kind: str
    year: int
    first_month: int
    last_month: int | None

    @property
    def resolved(self) -> bool:
        return self.last_month is not None

    def through(self, last_month: int) -> Period:
        """A year to date resolved to end with ``last_month``."""
        if self.kind != "ytd":
            raise ValueError("only a year to date is resolved")
        return Period(self.text, self.kind, self.year, 1, last_month)

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        if self.last_month is None:
            raise ValueError(f"{self.text}: the year to date is not resolved yet")
        return date(self.year, self.last_month, calendar.monthrange(self.year, self.last_month)[1])

    @property
    def indicator_period(self) -> str:
        """Its name in ``shared.signing_indicators``: ``2024-03``, ``2024Q1``, ``2024YTD03``."""
        if self.kind == "ytd":
            return f"{self.year}YTD{self.end.month:02d}"
        return self.text

    @property
    def cohorts(self) -> list[str]:
        """The signing-month cohorts (``shared.lifecycle_funnel`` ``cohort_type = 'month'``)
        the period covers."""
        self.end  # noqa: B018 - refuses an unresolved year to date
        return [f"{self.year}-{m:02d}" for m in range(self.first_month, self.last_month + 1)]

    @property
    def title_zh(self) -> str:
        """``2024年3月``, ``2024年第一季度``, ``2024年1—3月``."""
        if self.kind == "month":
            return f"{self.year}年{self.first_month}月"
        if self.kind == "quarter":
            return f"{self.year}年第{'一二三四'[self.first_month // 3]}季度"
        if self.last_month == 1:
            return f"{self.year}年1月"
        return f"{self.year}年1—{self.last_month}月"

    @property
    def file_stem(self) -> str:
        return f"bulletin-{self.text}"


def parse_period(text: str) -> Period:
    """``2024-03`` → a month, ``2024Q1`` → a quarter, ``2024YTD`` → an unresolved year to date;
    ValueError for anything else."""
    text = (text or "").strip()
    if match := _MONTH.match(text):
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            return Period(text, "month", year, month, month)
    elif match := _QUARTER.match(text):
        year, quarter = int(match.group(1)), int(match.group(2))
        return Period(text, "quarter", year, 3 * quarter - 2, 3 * quarter)
    elif match := _YTD.match(text):
        return Period(text, "ytd", int(match.group(1)), 1, None)
    raise ValueError(
        "a period is a month (2024-03), a quarter (2024Q1) or a year to date (2024YTD), "
        f"not {text!r}"
    )


def default_ytd_month(year: int, today: date) -> int:
    """The last month of a year to date without any data: today's month in the current year,
    December for a past one (January for a future one: nothing to show)."""
    if year == today.year:
        return today.month
    return 12 if year < today.year else 1
