"""hub/bulletin.py's pure parts: the first working day, the month before, the files' names and
their atomic write (the warehouse side is tests/integration/test_bulletin_warehouse.py; the
bulletin's content, tests/unit/test_report.py)."""

from __future__ import annotations

from datetime import date

import pytest

from hub.bulletin import (
    bulletin_path,
    first_working_day,
    month_end,
    parse_period,
    previous_month,
    write_atomically,
)


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2026, 6, date(2026, 6, 1)),  # starts on a Monday
        (2026, 1, date(2026, 1, 1)),  # a Thursday (元旦: the holiday calendar is not applied)
        (2026, 8, date(2026, 8, 3)),  # starts on a Saturday → Monday the 3rd
        (2026, 3, date(2026, 3, 2)),  # starts on a Sunday → Monday the 2nd
        (2026, 5, date(2026, 5, 1)),  # a Friday
        (2024, 12, date(2024, 12, 2)),  # a Sunday
    ],
)
def test_first_working_day(year, month, expected):
    assert first_working_day(year, month) == expected
    assert expected.weekday() < 5


def test_first_working_day_is_always_among_the_1st_to_3rd():
    for year in (2025, 2026, 2027, 2028):
        for month in range(1, 13):
            assert 1 <= first_working_day(year, month).day <= 3


@pytest.mark.parametrize(
    ("day", "month"),
    [(date(2026, 12, 1), "2026-11"), (date(2027, 1, 1), "2026-12"), (date(2024, 3, 1), "2024-02")],
)
def test_previous_month(day, month):
    assert previous_month(day) == month


@pytest.mark.parametrize("text", ["2024-3", "2024-13", "2024-00", "2024Q1", "", "24-03"])
def test_parse_period_refuses_what_is_not_a_month(text):
    with pytest.raises(ValueError):
        parse_period(text)


def test_month_end():
    assert month_end("2024-02") == date(2024, 2, 29)
    assert month_end("2023-12") == date(2023, 12, 31)


def test_written_atomically(tmp_path):
    path = bulletin_path(tmp_path / "bulletins", "2024-03")
    assert path.name == "bulletin-2024-03.html"
    assert bulletin_path(tmp_path, "2024-03", "xlsx").name == "bulletin-2024-03.xlsx"
    content = "<p>已签约</p>".encode()
    assert write_atomically(path, content) == path
    assert path.read_bytes() == content
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    write_atomically(path, b"again")  # replaced, no temporary file left behind
    assert path.read_bytes() == b"again"
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = write_atomically(tmp_path / "bulletin-2024-03.html", b"old")
    with pytest.raises(TypeError):
        write_atomically(path, "not bytes")  # type: ignore[arg-type]
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
