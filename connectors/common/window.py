"""A re-pull window: the part of a department an operator wants read again (a backfill).

A window is a closed range of days (land: the ``YYYYMMDD`` of ``land_supply_YYYYMMDD.csv``)
or of months (stats: the ``YYYY-MM`` period). A connector that takes one
(``read(state, window=...)``, its class attribute ``window_unit`` saying which unit) re-reads
exactly the files or periods in the range, whatever its state says was read, and nothing
else; the state it checkpoints is the state it was given with the window's entries brought
up to date (never an entry outside the window moved or dropped).

``parse_window("2024-03-01..2024-03-05", DAY)``, ``parse_window("20240301", DAY)``,
``parse_window("2024-01..2024-03", MONTH)``: the text of `hub sync --dates/--periods` and of
the Airflow DAGs' ``window`` param. Malformed or reversed text raises ``ValueError`` saying
what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

WindowUnit = Literal["day", "month"]
DAY: WindowUnit = "day"
MONTH: WindowUnit = "month"

#: Between the first and the last value of a range.
RANGE_SEPARATOR = ".."

_DAY_FORMATS = (
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "YYYY-MM-DD"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "YYYYMMDD"),
)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_EXPECTED = {
    DAY: "a date YYYY-MM-DD or YYYYMMDD",
    MONTH: "a period YYYY-MM",
}


@dataclass(frozen=True, slots=True)
class RepullWindow:
    """Days ``first``..``last`` (unit ``day``) or the months they fall in (unit ``month``,
    ``first`` and ``last`` being the first day of their month), both ends included."""

    unit: WindowUnit
    first: dt.date
    last: dt.date

    def __post_init__(self) -> None:
        if self.unit not in _EXPECTED:
            raise ValueError(f"unknown window unit {self.unit!r}; expected 'day' or 'month'")
        for end in (self.first, self.last):
            if not isinstance(end, dt.date) or isinstance(end, dt.datetime):
                raise TypeError(f"a window's ends are dates, not {end!r}")
            if self.unit == MONTH and end.day != 1:
                raise ValueError(f"a month window's ends are first days of months, not {end}")
        if self.first > self.last:
            raise ValueError(f"window {self} is reversed: its first end is after its last")

    @classmethod
    def days(cls, first: dt.date, last: dt.date | None = None) -> RepullWindow:
        return cls(DAY, first, first if last is None else last)

    @classmethod
    def months(cls, first: str, last: str | None = None) -> RepullWindow:
        """From periods ``YYYY-MM``."""
        return cls(MONTH, _month(first), _month(first if last is None else last))

    def covers(self, day: dt.date) -> bool:
        """Whether ``day`` (a land file's date; for a month window any day of the month)
        is inside the window."""
        if self.unit == MONTH:
            day = day.replace(day=1)
        return self.first <= day <= self.last

    def covers_file_date(self, digits: str) -> bool:
        """Whether a ``YYYYMMDD`` file date is inside a day window (False when it is no
        valid date: such a file is never part of a window)."""
        try:
            return self.covers(dt.datetime.strptime(digits, "%Y%m%d").date())
        except ValueError:
            return False

    def covers_period(self, period: str) -> bool:
        """Whether a ``YYYY-MM`` period is inside a month window (False when malformed)."""
        try:
            return self.covers(_month(period))
        except ValueError:
            return False

    def _show(self, day: dt.date) -> str:
        return f"{day:%Y-%m}" if self.unit == MONTH else day.isoformat()

    def __str__(self) -> str:
        if self.first == self.last:
            return self._show(self.first)
        return f"{self._show(self.first)}{RANGE_SEPARATOR}{self._show(self.last)}"


def parse_window(text: str, unit: WindowUnit) -> RepullWindow:
    """``"FIRST..LAST"`` or a single ``"VALUE"`` (dates for ``day``, periods for ``month``)
    as a window. Raises ValueError, naming the text and what was expected, when it is empty,
    malformed, not a real date, or reversed."""
    if unit not in _EXPECTED:
        raise ValueError(f"unknown window unit {unit!r}; expected 'day' or 'month'")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"empty re-pull window; expected {_range_help(unit)}")
    parts = text.strip().split(RANGE_SEPARATOR)
    if len(parts) > 2:
        raise ValueError(f"re-pull window {text!r} has more than one {RANGE_SEPARATOR!r}")
    ends = [_parse_end(part.strip(), unit, text) for part in parts]
    first, last = ends[0], ends[-1]
    if first > last:
        raise ValueError(
            f"re-pull window {text!r} is reversed ({parts[0].strip()} is after "
            f"{parts[-1].strip()}); write it first{RANGE_SEPARATOR}last"
        )
    return RepullWindow(unit, first, last)


def _range_help(unit: WindowUnit) -> str:
    example = "2024-03-01..2024-03-05" if unit == DAY else "2024-01..2024-03"
    return f"{_EXPECTED[unit]}, or a range such as {example}"


def _parse_end(part: str, unit: WindowUnit, text: str) -> dt.date:
    problem = f"re-pull window {text!r}: {part!r} is not {_EXPECTED[unit]}"
    if unit == MONTH:
        try:
            return _month(part)
        except ValueError:
            raise ValueError(problem) from None
    for pattern, _ in _DAY_FORMATS:
        match = pattern.match(part)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError as exc:
                raise ValueError(f"{problem} ({exc})") from None
    raise ValueError(problem)


def _month(period: str) -> dt.date:
    match = _MONTH.match(period) if isinstance(period, str) else None
    if not match:
        raise ValueError(f"{period!r} is not a period YYYY-MM")
    year, month = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        raise ValueError(f"{period!r} is not a period YYYY-MM (month {month})")
    return dt.date(year, month, 1)
