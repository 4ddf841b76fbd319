"""The bulletin in a real browser, and its workbook, on a synced sandbox.

The sandbox scenario is synced once into a warehouse of this module; the bulletin of the
scenario's busiest month is rendered as HTML and opened in headless Chromium (Debian's
``chromium``; ``.ci/run`` installs it and a CJK font when missing): the DOM text must hold the
key numbers, every chart its ``<svg>`` with one bar per data row, and a screenshot must be
produced. The xlsx is opened with openpyxl and its numbers compared with the warehouse's, each
queried here independently of hub/report.

Without Chromium the browser test is skipped — unless ``CI=true``, where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from psycopg.rows import dict_row

from hub.config import Settings
from hub.report import read, render_bulletin
from hub.warehouse.connection import connect

pytestmark = [pytest.mark.integration, pytest.mark.slow]

COUNTED = """
    from shared.projects
    where signed_on between %(start)s and %(end)s and signed_investment_wan >= 10000
"""


@pytest.fixture(scope="module")
def synced(databases, scenario, tmp_path_factory):
    """A warehouse holding the sandbox scenario after one sync, and its busiest month."""
    from hub.pipeline import run_sync
    from hub.sandbox import SandboxDepartments

    url = databases.create()
    home = tmp_path_factory.mktemp("bulletin-home")
    departments = SandboxDepartments(
        scenario, home / "land", ports={"commerce": 0, "approval": 0, "stats": 0}
    )
    departments.start()
    try:
        env = {**departments.env(), "HUB_WAREHOUSE_URL": url, "HUB_HOME": str(home)}
        settings = Settings.from_env(env)
        report = run_sync(settings)
        assert report.ok, report.failures
    finally:
        departments.stop()
    with connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            "select * from shared.signing_indicators where period_type = 'month' "
            "order by signed_projects desc, period desc limit 1"
        )
        month = cur.fetchone()
    assert month is not None, "the sandbox scenario signs no project of 亿元 or more"
    return settings, month


def _query(settings, sql, params=None):
    with connect(settings.warehouse_url) as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed, and CI=true: .ci/run should install it")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium fonts-noto-cjk)")
    return found


def _run_chromium(binary, tmp_path, *args) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    # a guard against a hung browser, not a timed assertion
    return subprocess.run(command, capture_output=True, timeout=300, check=False)


def _text(dom: str) -> str:
    without_tags = re.sub(r"<[^>]+>", " ", dom)
    return re.sub(r"\s+", " ", without_tags.replace("&amp;", "&"))


def _shows(text: str, *parts: str) -> bool:
    """The parts appear in this order, separated by nothing but white space."""
    return re.search(r"\s*".join(re.escape(p) for p in parts), text) is not None


def _chart(dom: str, chart_id: str) -> str:
    match = re.search(rf'<figure id="{chart_id}">(.*?)</figure>', dom, re.S)
    assert match, f"{chart_id} is not in the page"
    return match.group(1)


def _bar_widths(svg: str, dimension: str) -> list[float]:
    rects = re.findall(r"<rect [^>]*class=\"bar\"[^>]*>", svg)
    return [float(re.search(rf'\s{dimension}="([^"]+)"', r).group(1)) for r in rects]


def test_the_bulletin_in_headless_chromium(synced, tmp_path):
    binary = _chromium()
    settings, month = synced
    period = month["period"]
    page = tmp_path / f"bulletin-{period}.html"
    page.write_bytes(render_bulletin(read(settings, period), "html"))
    bounds = {"start": month["period_start"], "end": month["period_end"]}

    dumped = _run_chromium(binary, tmp_path, "--dump-dom", page.as_uri())
    assert dumped.returncode == 0, dumped.stderr.decode(errors="replace")[-2000:]
    dom = dumped.stdout.decode("utf-8")
    text = _text(dom)

    # the key numbers, from the view, as the page prints them
    assert _shows(text, "签约亿元以上项目", str(month["signed_projects"]), "个")
    assert _shows(text, "签约投资额", f"{month['signed_investment_yi']:,f}", "亿元")
    assert _shows(text, "占比", str(month["key_region_share_pct"]), "%")

    # each chart drawn, one bar per data row (rows counted here from the warehouse)
    [row] = _query(
        settings,
        "select count(distinct coalesce(district_name, '未知')) as districts, "
        "count(distinct coalesce(industry_category, '未分类')) filter ("
        "where industry_category not in ('优势产业', '新兴产业', '现代服务业') "
        "or industry_category is null) as other_industries, "
        "count(distinct coalesce(origin_province, case when capital_type is distinct from "
        "'内资' and origin_country <> '中国' then '境外' end, '未知')) as origins " + COUNTED,
        bounds,
    )
    regions = _query(settings, "select count(distinct region) as n from ref.regions")[0]["n"]
    expected_rows = {
        "chart-district": row["districts"],
        "chart-industry": 3 + row["other_industries"],
        "chart-key-region": regions,
        "chart-origin": min(row["origins"], 11),  # the ten largest and 其他
        "chart-funnel": 5,  # signed, landed, under construction, in statistics, in production
    }
    for chart_id, rows in expected_rows.items():
        svg = _chart(dom, chart_id)
        assert "<svg" in svg and "</svg>" in svg, chart_id
        measure = "height" if chart_id == "chart-industry" else "width"
        lengths = _bar_widths(svg, measure)
        assert len(lengths) == rows, chart_id
        assert any(length > 0 for length in lengths), chart_id  # something is drawn

    # the lists are there
    assert 'id="table-big-projects"' in dom and 'id="table-stalled"' in dom

    shot = tmp_path / "bulletin.png"
    taken = _run_chromium(
        binary, tmp_path, f"--screenshot={shot}", "--window-size=1280,4000", page.as_uri()
    )
    assert taken.returncode == 0, taken.stderr.decode(errors="replace")[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000  # a rendered page of text and charts, not a blank one


def test_the_workbook_holds_the_warehouses_numbers(synced, tmp_path):
    from openpyxl import load_workbook

    from hub.report.xlsx import SHEETS

    settings, month = synced
    period = month["period"]
    path = tmp_path / "bulletin.xlsx"
    path.write_bytes(render_bulletin(read(settings, period), "xlsx"))
    book = load_workbook(path)
    assert book.sheetnames == list(SHEETS)
    bounds = {"start": month["period_start"], "end": month["period_end"]}

    def rows(sheet):
        return [tuple(c.value for c in r) for r in book[sheet].iter_rows(min_row=2)]

    def number(value) -> Decimal:
        return Decimal(str(value))

    # headline figures: the view's row
    headline = {r[0]: r for r in rows("主要指标")}
    assert headline["签约亿元以上项目"][1] == month["signed_projects"]
    assert number(headline["签约投资额"][1]) == month["signed_investment_yi"]
    assert headline["内资项目"][1] == month["domestic_projects"]
    assert number(headline["内资项目"][3]) == month["domestic_share_pct"]
    assert headline["50亿元以上项目"][1] == month["projects_50yi_plus"]
    assert headline["50亿元以上项目"][4] == month["projects_50yi_plus_yoy_pct"]
    assert all(isinstance(r[1], int | float) for r in headline.values())

    # by district: counted projects per district, summed here
    districts = _query(
        settings,
        "select coalesce(district_name, '未知') as label, count(*) as projects, "
        "round(sum(signed_investment_wan) / 10000, 1) as yi " + COUNTED + " group by 1",
        bounds,
    )
    got = {r[0]: (r[1], number(r[2])) for r in rows("区县")}
    assert got == {d["label"]: (d["projects"], d["yi"]) for d in districts}

    industries = {r[0]: r[1] for r in rows("产业类别")}
    assert industries["优势产业"] == month["advantage_industry_projects"]
    assert industries["新兴产业"] == month["emerging_industry_projects"]
    assert industries["现代服务业"] == month["modern_service_projects"]
    assert sum(r[1] for r in rows("来源省份")) == month["signed_projects"]
    assert sum(r[1] for r in rows("重点区域")) == month["key_region_projects"]

    # the funnel of the month's cohort, summed here over districts and chains
    [funnel] = _query(
        settings,
        "select sum(signed_projects) as s, sum(landed_projects) as l, "
        "sum(under_construction_projects) as u, sum(in_statistics_projects) as i, "
        "sum(in_production_projects) as p, sum(terminated_projects) as t "
        "from shared.lifecycle_funnel where cohort_type = 'month' and cohort = %(c)s",
        {"c": period},
    )
    city = rows("生命周期漏斗")[0]
    assert city[0] == "全市"
    assert city[1:7] == tuple(int(funnel[k] or 0) for k in "sluipt")

    # the lists: the views' rows, as of the month's end
    big = _query(
        settings,
        "select project_name, signed_investment_yi, signed_on from shared.big_projects "
        "where signed_on <= %(end)s order by signed_investment_yi desc, signed_on, project_code",
        bounds,
    )
    got_big = [(r[0], number(r[4]), r[6].date()) for r in rows("重大项目")]
    assert got_big == [(b["project_name"], b["signed_investment_yi"], b["signed_on"]) for b in big]
    stalled = _query(
        settings,
        "select project_name, months_since_signing from shared.stalled_projects_as_of(%(end)s)",
        bounds,
    )
    got_stalled = sorted((r[0], r[3]) for r in rows("滞缓项目"))
    assert got_stalled == sorted((s["project_name"], s["months_since_signing"]) for s in stalled)
