"""hub/report's pure parts on a hand-built bulletin: periods, and the html, xlsx and json
renderings (the warehouse side: tests/integration/test_bulletin_warehouse.py and
tests/e2e/test_bulletin_browser.py)."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal

import pytest

from hub.report import render_bulletin
from hub.report.data import Bulletin, FunnelRow, Slice, headline, top_with_rest
from hub.report.html import charts_of
from hub.report.jsondoc import dumps_exact
from hub.report.period import default_ytd_month, parse_period
from hub.report.xlsx import SHEETS

# --- periods -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "name", "cohorts", "title"),
    [
        (
            "2024-03",
            "month",
            date(2024, 3, 1),
            date(2024, 3, 31),
            "2024-03",
            ["2024-03"],
            "2024年3月",
        ),
        (
            "2024-02",
            "month",
            date(2024, 2, 1),
            date(2024, 2, 29),
            "2024-02",
            ["2024-02"],
            "2024年2月",
        ),
        (
            "2024Q1",
            "quarter",
            date(2024, 1, 1),
            date(2024, 3, 31),
            "2024Q1",
            ["2024-01", "2024-02", "2024-03"],
            "2024年第一季度",
        ),
        (
            "2024Q4",
            "quarter",
            date(2024, 10, 1),
            date(2024, 12, 31),
            "2024Q4",
            ["2024-10", "2024-11", "2024-12"],
            "2024年第四季度",
        ),
    ],
)
def test_months_and_quarters(text, kind, start, end, name, cohorts, title):
    period = parse_period(text)
    assert (period.kind, period.start, period.end) == (kind, start, end)
    assert (period.indicator_period, period.cohorts, period.title_zh) == (name, cohorts, title)


def test_a_year_to_date_is_resolved_before_use():
    period = parse_period("2024YTD")
    assert period.kind == "ytd" and not period.resolved
    with pytest.raises(ValueError):
        period.end  # noqa: B018
    march = period.through(3)
    assert (march.start, march.end, march.indicator_period) == (
        date(2024, 1, 1),
        date(2024, 3, 31),
        "2024YTD03",
    )
    assert march.cohorts == ["2024-01", "2024-02", "2024-03"]
    assert march.title_zh == "2024年1—3月" and period.through(1).title_zh == "2024年1月"


def test_a_year_without_data_runs_to_today_or_december():
    today = date(2026, 12, 7)
    assert default_ytd_month(2026, today) == 12 and default_ytd_month(2026, date(2026, 5, 1)) == 5
    assert default_ytd_month(2023, today) == 12


@pytest.mark.parametrize(
    "text", ["2024-3", "2024-13", "2024-00", "2024Q5", "2024Q0", "2024YTD03", "", "24-03", "2024"]
)
def test_what_is_not_a_period_is_refused(text):
    with pytest.raises(ValueError, match="2024Q1"):
        parse_period(text)


# --- a hand-built bulletin --------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script>&'


def _bulletin(*, empty: bool = False) -> Bulletin:
    period = parse_period("2024Q1")
    indicators = None
    if not empty:
        indicators = {
            "period": "2024Q1",
            "period_start": date(2024, 1, 1),
            "period_end": date(2024, 3, 31),
            "period_type": "quarter",
            "signed_projects": 16,
            "signed_investment_yi": Decimal("123.4"),
            "domestic_projects": 12,
            "domestic_share_pct": Decimal("75.0"),
            "out_of_province_projects": 7,
            "out_of_province_share_pct": Decimal("43.8"),
            "key_region_projects": 5,
            "key_region_share_pct": Decimal("31.3"),
            "advantage_industry_projects": 6,
            "advantage_industry_share_pct": Decimal("37.5"),
            "emerging_industry_projects": 6,
            "emerging_industry_share_pct": Decimal("37.5"),
            "modern_service_projects": 4,
            "modern_service_share_pct": Decimal("25.0"),
            "projects_30yi_plus": 2,
            "manufacturing_30yi_plus": 1,
            "manufacturing_30yi_plus_yoy_pct": None,
            "projects_50yi_plus": 1,
            "projects_50yi_plus_yoy_pct": -50,
        }
    slices = (
        [] if empty else [Slice("江苏省", 9, Decimal("80.1")), Slice(HOSTILE, 7, Decimal("43.3"))]
    )
    funnel = FunnelRow(
        is_city=True,
        district_code=None,
        district_name=None,
        signed_projects=0 if empty else 16,
        landed_projects=0 if empty else 8,
        under_construction_projects=0 if empty else 5,
        in_statistics_projects=0 if empty else 3,
        in_production_projects=0 if empty else 1,
        terminated_projects=0 if empty else 2,
        completed_investment_ytd_wan=Decimal("0") if empty else Decimal("5120.5"),
    )
    big = [
        {
            "hub_project_id": 7,
            "project_code": "2024-370203-84-02-000001",
            "project_name": HOSTILE + "项目",
            "district_name": "市北区",
            "industry_chain": "医养健康",
            "signed_investment_yi": Decimal("58.0"),
            "stage_zh": "已落地",
            "signed_on": date(2024, 2, 1),
            "last_evidence_on": date(2024, 5, 6),
            "last_evidence_milestone": "landed",
            "last_evidence_source": "land",
            "is_50yi_plus": True,
            "signed_in_period": True,
        }
    ]
    stalled = [
        {
            "project_name": "停滞项目",
            "district_name": "崂山区",
            "signed_on": date(2023, 5, 2),
            "months_since_signing": 10,
            "signed_investment_yi": Decimal("3.5"),
            "stage_zh": "已签约",
            "next_department_zh": "自然资源和规划局",
            "next_step_zh": "土地供应",
        }
    ]
    return Bulletin(
        period=period,
        indicators=indicators,
        breakdowns={
            "origin_province": slices,
            "key_region": [] if empty else [Slice("长三角", 9, Decimal("80.1"))],
            "industry": [] if empty else [Slice("优势产业", 6, Decimal("50.0"))],
            "district": slices,
        },
        funnel=funnel,
        funnel_by_district=[],
        big_projects=[] if empty else big,
        stalled=[] if empty else stalled,
        drawn_on=date(2024, 4, 1),
    )


def test_headline_in_order_with_shares_and_year_on_year():
    figures = {f.key: f for f in headline(_bulletin())}
    assert list(figures)[:2] == ["signed_projects", "signed_investment_yi"]
    assert figures["signed_investment_yi"].value == Decimal("123.4")
    assert figures["key_region_projects"].share_pct == Decimal("31.3")
    assert figures["projects_50yi_plus"].yoy_pct == -50 and figures["projects_50yi_plus"].has_yoy
    assert (
        figures["manufacturing_30yi_plus"].has_yoy
        and figures["manufacturing_30yi_plus"].yoy_pct is None
    )
    empty = {f.key: f for f in headline(_bulletin(empty=True))}
    assert empty["signed_projects"].value == 0 and empty["signed_investment_yi"].value == Decimal(
        "0.0"
    )


def test_top_with_rest_sums_exactly():
    slices = [Slice(str(i), 1, Decimal("0.1")) for i in range(13)]
    top = top_with_rest(slices, keep=10)
    assert len(top) == 11 and top[-1] == Slice("其他", 3, Decimal("0.3"))
    assert top_with_rest(slices[:11], keep=10) == slices[:11]  # no 其他 of one


def test_funnel_rates_half_up_and_none_without_signings():
    row = _bulletin().funnel
    assert row.rate_pct("landed_projects") == Decimal("50.0")
    assert row.rate_pct("under_construction_projects") == Decimal("31.3")  # 31.25 → half up
    assert _bulletin(empty=True).funnel.rate_pct("landed_projects") is None


def test_html_is_one_self_contained_chinese_page():
    page = render_bulletin(_bulletin(), "html").decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert "2024年第一季度" in page and "123.4" in page and "31.3%" in page and "-50%" in page
    for forbidden in ("<script", "http://", "https://", "<link", "src="):
        assert forbidden not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "&lt;script&gt;" in page  # a hostile name is shown, escaped
    assert "Noto Sans CJK SC" in page
    for chart_id, (_, bars, _) in charts_of(_bulletin()).items():
        start = page.index(f'id="{chart_id}"')
        svg = page[page.index("<svg", start) : page.index("</svg>", start) + 6]
        rects = [e for e in ET.fromstring(svg).iter() if e.get("class") == "bar"]
        assert len(rects) == len(bars) > 0, chart_id
    assert "已落地" in page and "自然资源和规划局" in page  # milestone and source in Chinese


def test_html_of_an_empty_period():
    page = render_bulletin(_bulletin(empty=True), "html").decode("utf-8")
    assert "本期无签约亿元以上项目" in page and "暂无数据" in page and "nan" not in page.lower()


def test_json_keeps_exact_decimals_and_iso_dates():
    text = render_bulletin(_bulletin(), "json").decode("utf-8")
    doc = json.loads(text)
    assert doc["period"] == "2024Q1" and doc["period_end"] == "2024-03-31"
    assert '"signed_investment_yi": 123.4' in text and '"domestic_share_pct": 75.0' in text
    assert doc["indicators"]["signed_projects"] == 16
    assert doc["big_projects"][0]["signed_on"] == "2024-02-01"
    assert doc["big_projects"][0]["project_name"] == HOSTILE + "项目"
    assert doc["funnel"]["under_construction_rate_pct"] == 31.3
    assert doc["by_origin_province"][0] == {"label": "江苏省", "projects": 9, "investment_yi": 80.1}
    parsed = json.loads(text, parse_float=Decimal)
    assert parsed["funnel"]["completed_investment_ytd_wan"] == Decimal("5120.5")
    assert "\\u" not in text


def test_dumps_exact_never_prints_binary_float_noise():
    text = dumps_exact({"a": Decimal("0.1") + Decimal("0.2"), "b": Decimal("-7"), "c": "\x00dec:x"})
    assert '"a": 0.3' in text and '"b": -7' in text
    assert json.loads(text)["c"] == "\x00dec:x"


def test_xlsx_has_every_sheet_with_numbers_and_dates():
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(render_bulletin(_bulletin(), "xlsx")))
    assert book.sheetnames == list(SHEETS)
    head = book["主要指标"]
    assert head["A1"].value == "指标"
    assert [c.value for c in head[2]][:2] == ["签约亿元以上项目", 16]
    assert head["B3"].value == pytest.approx(123.4) and head["B3"].data_type == "n"
    assert isinstance(head["G2"].value, datetime) and head["G2"].number_format == "yyyy-mm-dd"
    big = book["重大项目"]
    assert big["E2"].value == 58 and big["E2"].data_type == "n"
    assert big["A2"].value == HOSTILE + "项目"
    assert big["I2"].value == "已落地" and big["J2"].value == "自然资源和规划局"
    assert book["滞缓项目"]["D2"].value == 10 and book["滞缓项目"].column_dimensions["A"].width >= 8
    funnel = book["生命周期漏斗"]
    assert [c.value for c in funnel[2]][:7] == ["全市", 16, 8, 5, 3, 1, 2]
    empty = load_workbook(io.BytesIO(render_bulletin(_bulletin(empty=True), "xlsx")))
    assert empty.sheetnames == list(SHEETS) and empty["重大项目"].max_row == 1


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="html"):
        render_bulletin(_bulletin(), "pdf")
