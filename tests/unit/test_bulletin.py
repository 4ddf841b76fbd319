"""hub/bulletin.py's pure parts: the first working day, the month before, the JSON document and
its atomic write (the warehouse side is tests/integration/test_bulletin.py)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from hub.bulletin import (
    bulletin_document,
    bulletin_path,
    first_working_day,
    parse_period,
    previous_month,
    write_json_atomically,
)
from hub.lifecycle import STAGES


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


def _row(period, kind, start, end, **figures):
    return dict(
        period=period,
        period_start=start,
        period_end=end,
        period_type=kind,
        signed_projects=7,
        signed_investment_yi=Decimal("86.7"),
        domestic_share_pct=Decimal("0.0"),
        manufacturing_30yi_plus_yoy_pct=None,
        projects_50yi_plus_yoy_pct=-33,
        **figures,
    )


def test_document_shape():
    rows = [
        _row("2024-03", "month", date(2024, 3, 1), date(2024, 3, 31)),
        _row("2024Q1", "quarter", date(2024, 1, 1), date(2024, 3, 31)),
        _row("2024YTD03", "ytd", date(2024, 1, 1), date(2024, 3, 31)),
    ]
    doc = bulletin_document("2024-03", rows, {"signed": 5, "landed": 2})
    assert doc["period"] == "2024-03"
    assert (doc["month_start"], doc["month_end"]) == ("2024-03-01", "2024-03-31")
    assert set(doc["indicators"]) == {"month", "quarter", "ytd"}
    month = doc["indicators"]["month"]
    assert month["period_start"] == "2024-03-01" and month["period_end"] == "2024-03-31"
    assert month["signed_investment_yi"] == 86.7 and isinstance(month["signed_projects"], int)
    assert month["manufacturing_30yi_plus_yoy_pct"] is None
    assert doc["indicators"]["quarter"]["period"] == "2024Q1"
    assert list(doc["projects_per_stage"]) == list(STAGES)  # every stage, in the hub's order
    assert doc["projects_per_stage"]["signed"] == 5
    assert sum(doc["projects_per_stage"].values()) == 7


def test_a_month_without_data_or_quarter_end_has_nulls():
    rows = [_row("2024YTD04", "ytd", date(2024, 1, 1), date(2024, 4, 30))]
    doc = bulletin_document("2024-04", rows, {})
    assert doc["indicators"]["month"] is None
    assert doc["indicators"]["quarter"] is None
    assert doc["indicators"]["ytd"]["period"] == "2024YTD04"
    assert set(doc["projects_per_stage"].values()) == {0}


def test_two_rows_of_one_kind_are_refused():
    row = _row("2024-03", "month", date(2024, 3, 1), date(2024, 3, 31))
    with pytest.raises(ValueError):
        bulletin_document("2024-03", [row, row], {})


def test_written_atomically_as_utf8_json_with_numbers(tmp_path):
    rows = [_row("2024-03", "month", date(2024, 3, 1), date(2024, 3, 31))]
    doc = bulletin_document("2024-03", rows, {"signed": 1, "已签约-测试": 2})
    path = bulletin_path(tmp_path / "bulletins", "2024-03")
    assert path.name == "bulletin-2024-03.json"
    assert write_json_atomically(path, doc) == path
    text = path.read_text(encoding="utf-8")
    assert "已签约-测试" in text  # ensure_ascii=False
    assert '"signed_investment_yi": 86.7' in text and '"domestic_share_pct": 0.0' in text
    assert json.loads(text) == doc
    write_json_atomically(path, doc)  # again: replaced, no temporary file left behind
    assert [p.name for p in path.parent.iterdir()] == [path.name]
