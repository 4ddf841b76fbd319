"""bench/scenario_records.py: a sandbox scenario's served records as MatchRecords."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bench.scenario_records import (
    commerce_amount_wan,
    match_records,
    parse_date,
    parse_local_day,
    parse_month,
    parse_number,
)
from hub.sandbox import generate_scenario
from hub.sandbox.scenario import SCENARIO_TODAY


@pytest.fixture(scope="module")
def city():
    return generate_scenario(200, 5)  # the default bad_rate: broken copies to leave out


@pytest.fixture(scope="module")
def records(city):
    return match_records(city)


def test_every_valid_served_record_becomes_exactly_one_match_record(city, records):
    truth = city.truth
    assert truth.bad_records, "the scenario should hold broken copies to leave out"
    # A stats project seen only in a revision the bureau replaced is never served.
    unserved = {k for k, why in truth.non_evidence.items() if why == "superseded_revision"}
    expected = {k for k in truth.record_owner if k not in truth.bad_records} - unserved
    keys = [r.key for r in records]
    assert len(keys) == len(set(keys))
    assert set(keys) == expected
    assert {r.source_system for r in records} == {"commerce", "approval", "land", "stats"}


def test_amounts_parse_to_wan(city, records):
    projects, owner = city.truth.projects, city.truth.record_owner
    for record in records:
        project = projects[owner[record.key]]
        if record.source_system == "land":
            assert record.amount_wan is None
        elif record.source_system == "commerce":  # 万元 or 亿元, numbers or strings
            assert record.amount_wan == project.signed_investment_wan
        elif record.source_system == "stats":
            assert record.amount_wan == project.planned_investment_wan
        else:
            assert record.amount_wan is not None and record.amount_wan > 0


def test_dates_parse(city, records):
    projects, owner = city.truth.projects, city.truth.record_owner
    soft_deleted = {k for k, why in city.truth.non_evidence.items() if why == "soft_deleted"}
    for record in records:
        project = projects[owner[record.key]]
        if record.source_system == "commerce":
            if record.key not in soft_deleted:  # a deleted duplicate claims an earlier day
                assert record.first_on == project.signed_on
        elif record.source_system == "stats":
            assert record.first_on == project.construction_started_on
        else:
            assert record.first_on is not None and record.first_on <= SCENARIO_TODAY
    commerce = [r for r in records if r.source_system == "commerce"]
    assert any(r.first_on for r in commerce) and any(r.first_on is None for r in commerce)


def test_keys_names_and_districts(city, records):
    projects, owner = city.truth.projects, city.truth.record_owner
    for record in records:
        project = projects[owner[record.key]]
        assert record.district_code == project.district_code  # land: name or alias → code
        if record.source_system == "approval":
            assert record.project_code == project.project_code
            assert record.company_uscc == project.company_uscc
            assert record.company_name and record.project_name
        if record.source_system == "land":
            assert record.project_code in (None, project.project_code)  # '' → None
            assert record.company_uscc in (None, project.company_uscc)
        if record.source_system == "commerce":
            assert record.investor_name
        else:
            assert record.investor_name is None and record.investor_uscc is None


def test_only_the_last_row_of_a_parcel_counts(city, records):
    last: dict[str, dict[str, str]] = {}
    for land_file in city.land_files:
        for row in land_file.rows:
            last[row["宗地编号"]] = row
    land = {r.source_key: r for r in records if r.source_system == "land"}
    assert land
    for key, record in land.items():
        assert record.first_on == parse_date(last[key]["合同签订日期"])
        assert record.is_evidence == (last[key]["状态"] == "有效")


@pytest.mark.parametrize(
    ("value", "unit", "wan"),
    [
        (12_500, "万元", 12_500.0),
        ("12,500", "万元", 12_500.0),
        ("1,234,500", "万元", 1_234_500.0),
        ("60", "亿元", 600_000.0),
        (12.5, "亿元", 125_000.0),
        ("3.25", "亿元", 32_500.0),
        ("abc", "万元", None),
        ("待定", "万元", None),
        (-300, "万元", None),
        (100, "美元", None),
        (None, "万元", None),
    ],
)
def test_commerce_amounts(value, unit, wan):
    assert commerce_amount_wan(value, unit) == wan


def test_parsers():
    assert parse_number(" 1,234.5 ") == Decimal("1234.5")
    assert parse_number("1,23") is None
    assert parse_number(True) is None
    for text in ("2024-03-05", "2024/3/5", "20240305", "2024年3月5日"):
        assert parse_date(text) == date(2024, 3, 5)
    for text in ("2024-02-30", "2024/13/01", "2023年13月1日", "", None, "soon"):
        assert parse_date(text) is None
    assert parse_month("2024-07") == date(2024, 7, 1)
    assert parse_month("2024-13") is None
    assert parse_local_day("2024-03-05T23:10:00+08:00") == date(2024, 3, 5)
    assert parse_local_day("2024-02-30T10:00:00+08:00") is None
