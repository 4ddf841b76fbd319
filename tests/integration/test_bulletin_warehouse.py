"""The bulletin against a real warehouse: its headline figures are the period's
shared.signing_indicators row, its breakdowns the hand-computed ones, it is read in one
repeatable-read snapshot, `hub report` writes it to a file or standard output, and
draw_bulletin (the monthly_bulletin DAG) writes the month's HTML and xlsx into the folder.

The projects are test_signing_indicators.py's hand-computed set (2023, 2024-01…03)."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from psycopg.rows import dict_row

from hub.bulletin import draw_bulletin
from hub.cli import main
from hub.config import Settings
from hub.report import read, render_bulletin
from hub.report.data import Slice, read_bulletin
from hub.warehouse.connection import connect
from tests.integration.test_signing_indicators import GIVEN_PROJECTS, _insert_projects

pytestmark = pytest.mark.integration
N = Decimal


@pytest.fixture
def warehouse(fresh_warehouse_url):
    with connect(fresh_warehouse_url, autocommit=True) as conn:
        _insert_projects(conn, GIVEN_PROJECTS)
        with conn.cursor(row_factory=dict_row) as cur:
            cur.execute("select * from shared.signing_indicators")
            view = {row["period"]: row for row in cur.fetchall()}
    return fresh_warehouse_url, view


@pytest.fixture
def settings(warehouse, tmp_path):
    url, _ = warehouse
    return Settings.from_env({"HUB_WAREHOUSE_URL": url, "HUB_HOME": str(tmp_path)})


@pytest.mark.parametrize(
    ("period", "view_period", "end"),
    [
        ("2024-03", "2024-03", date(2024, 3, 31)),
        ("2024Q1", "2024Q1", date(2024, 3, 31)),
        # the latest year: through its latest month with data
        ("2024YTD", "2024YTD03", date(2024, 3, 31)),
        # a past year: through December, though December has no signing
        ("2023YTD", "2023YTD12", date(2023, 12, 31)),
        ("2024-02", "2024-02", date(2024, 2, 29)),
        ("2024-04", None, date(2024, 4, 30)),  # beyond the data: no row
        ("2023Q2", None, date(2023, 6, 30)),  # only a project below 亿元: no row
    ],
)
def test_the_headline_is_the_views_row(warehouse, settings, period, view_period, end):
    _, view = warehouse
    bulletin = read(settings, period)
    assert bulletin.period.end == end
    if view_period is None:
        assert bulletin.indicators is None
    else:
        assert bulletin.indicators == view[view_period]
    doc = json.loads(render_bulletin(bulletin, "json"), parse_float=Decimal)
    assert doc["indicator_period"] == (view_period or bulletin.period.indicator_period)
    if view_period:
        expected = view[view_period]
        assert doc["indicators"]["signed_investment_yi"] == expected["signed_investment_yi"]
        assert doc["indicators"]["period_end"] == expected["period_end"].isoformat()
        headline = {f["key"]: f["value"] for f in doc["headline"]}
        assert headline["signed_projects"] == expected["signed_projects"]


def test_a_year_without_data_runs_to_december_or_today(settings):
    assert read(settings, "2019YTD").period.end == date(2019, 12, 31)
    with connect(settings.warehouse_url) as conn:
        current = read_bulletin(conn, "2030YTD", today=date(2030, 5, 9))
    assert current.period.end == date(2030, 5, 31) and current.indicators is None


def test_march_breakdowns_by_hand(settings):
    """2024-03's seven counted projects (ids 1, 2, 3, 5, 6, 7, 8), worked out by hand."""
    b = read(settings, "2024-03").breakdowns
    assert b["origin_province"] == [
        Slice("广东省", 3, N("3.5")),  # ids 2, 7, 8: 35,000 万元
        Slice("山东省", 1, N("50.0")),
        Slice("香港特别行政区", 1, N("30.0")),
        Slice("未知", 1, N("1.9")),  # id 6: domestic capital, province unknown
        Slice("北京市", 1, N("1.3")),  # 12,500 → 1.25 → 1.3, half up
    ]
    assert b["key_region"] == [
        Slice("粤港澳大湾区", 2, N("31.5")),  # Hong Kong (3) and 深圳 (7), not 汕头 or 广东 alone
        Slice("京津冀", 1, N("1.3")),
        Slice("长三角", 0, N("0.0")),
    ]
    assert b["industry"] == [
        Slice("优势产业", 2, N("2.8")),  # 27,500 → 2.75 → 2.8
        Slice("新兴产业", 2, N("31.0")),
        Slice("现代服务业", 1, N("50.0")),
        Slice("其他", 2, N("2.9")),
    ]
    assert sum(s.projects for s in b["district"]) == 7


def test_breakdowns_agree_with_the_indicators(warehouse, settings):
    _, view = warehouse
    for period, name in (("2024Q1", "2024Q1"), ("2024YTD", "2024YTD03"), ("2023-01", "2023-01")):
        bulletin = read(settings, period)
        row, b = view[name], bulletin.breakdowns
        for dimension in ("origin_province", "industry", "district"):
            assert sum(s.projects for s in b[dimension]) == row["signed_projects"]
        assert sum(s.projects for s in b["key_region"]) == row["key_region_projects"]
        by_industry = {s.label: s.projects for s in b["industry"]}
        assert by_industry["优势产业"] == row["advantage_industry_projects"]
        assert by_industry["新兴产业"] == row["emerging_industry_projects"]
        assert by_industry["现代服务业"] == row["modern_service_projects"]


def test_read_in_one_repeatable_read_snapshot(settings, monkeypatch):
    import hub.warehouse.connection as connection

    seen = []
    real = connection.fetch_dicts

    def spy(conn, path, params=None):
        seen.append(
            conn.execute(
                "select now(), current_setting('transaction_isolation'), "
                "current_setting('transaction_read_only')"
            ).fetchone()
        )
        return real(conn, path, params)

    monkeypatch.setattr(connection, "fetch_dicts", spy)
    read(settings, "2024YTD")
    assert len(seen) == 6  # the YTD's month, indicators, breakdowns, funnel, big, stalled
    assert len(set(seen)) == 1  # one transaction (now() is its start)
    assert seen[0][1:] == ("repeatable read", "on")


def test_draw_bulletin_writes_the_months_html_and_xlsx(settings):
    from openpyxl import load_workbook

    path = draw_bulletin(settings, "2024-03")
    assert path == settings.home / "bulletins" / "bulletin-2024-03.html"
    page = path.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "2024年3月" in page and "86.7" in page
    book = load_workbook(path.with_suffix(".xlsx"))
    assert book["主要指标"]["B2"].value == 7 and book["主要指标"]["B3"].value == 86.7
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "bulletin-2024-03.html",
        "bulletin-2024-03.xlsx",
    ]
    assert draw_bulletin(settings, "2024-03", settings.home / "other").parent.name == "other"


def test_hub_report_to_stdout_and_to_a_file(warehouse, tmp_path, monkeypatch, capsysbinary):
    url, view = warehouse
    monkeypatch.setenv("HUB_WAREHOUSE_URL", url)
    monkeypatch.setenv("HUB_HOME", str(tmp_path))
    assert main(["report", "--period", "2024Q1"]) == 0
    page = capsysbinary.readouterr().out.decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "2024年第一季度" in page and "145.0" in page

    assert main(["report", "--period", "2024Q1", "--format", "json"]) == 0
    doc = json.loads(capsysbinary.readouterr().out, parse_float=Decimal)
    assert doc["indicators"]["key_region_share_pct"] == N("31.3")

    out = tmp_path / "out" / "q1.xlsx"
    assert main(["report", "--period", "2024Q1", "--format", "xlsx", "--output", str(out)]) == 0
    assert capsysbinary.readouterr().out == b""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(out.read_bytes()))
    assert book["主要指标"]["B2"].value == view["2024Q1"]["signed_projects"]
    assert not (tmp_path / "bulletins").exists()  # nothing written where it was not asked


@pytest.mark.parametrize("period", ["2024-3", "2024Q5", "2024YTD03", "March"])
def test_hub_report_refuses_what_is_not_a_period(period, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--period", period])
    assert exit_.value.code == 2
    assert "2024Q1" in capsys.readouterr().err


def test_hub_report_refuses_an_unknown_format(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--period", "2024-03", "--format", "pdf"])
    assert exit_.value.code == 2
