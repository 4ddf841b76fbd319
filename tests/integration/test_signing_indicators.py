"""shared.signing_indicators and shared.land_quota_usage against hand-computed rows.

Given/expect, like dbt unit tests: a handful of rows go straight into core.hub_projects +
core.projects (or core.land_parcels); the expected rows were computed by hand from the
definitions in contracts/warehouse.md ("Signing indicators"). Rounding is half up on exact
decimals, so a few sums and shares sit exactly on a tie (x.x5) where banker's rounding or
binary floats would give another answer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from psycopg.rows import dict_row

from hub.warehouse.connection import connect
from tests.integration.conftest import insert_projects

pytestmark = pytest.mark.integration

D = dt.date
N = Decimal

# id, signed_on, signed_investment_wan, capital_type, origin_province, origin_city,
# industry_category, is_manufacturing, stage
GIVEN_PROJECTS = [
    # ---- 2024-03: seven counted (+1 below the 亿元 threshold); Σ 866,500 万元 = 86.65 → 86.7
    (1, D(2024, 3, 5), "12500", "内资", "北京市", "北京市", "优势产业", False, "signed"),
    # 广东省 without a city: out of province, but not Greater Bay Area
    (2, D(2024, 3, 20), "10000", "内资", "广东省", None, "新兴产业", False, "signed"),
    # Hong Kong capital is 外资 and still a key region; last day of the month
    (3, D(2024, 3, 31), "300000", "外资", "香港特别行政区", None, "新兴产业", True, "landed"),
    # 9,999.99 万元: below 亿元以上, never counted
    (4, D(2024, 3, 15), "9999.99", "内资", "北京市", "北京市", "优势产业", True, "signed"),
    # 山东省: domestic but not out of province; terminated later, still counted
    (5, D(2024, 3, 10), "500000", "内资", "山东省", "济南市", "现代服务业", True, "terminated"),
    # origin province unknown: domestic, not out of province
    (6, D(2024, 3, 12), "19000", "内资", None, None, "其他", False, "signed"),
    # 深圳市 is a Greater Bay Area city row
    (7, D(2024, 3, 8), "15000", "外资", "广东省", "深圳市", "优势产业", False, "signed"),
    # 汕头市 is in 广东省 but not in the Greater Bay Area
    (8, D(2024, 3, 9), "10000", "内资", "广东省", "汕头市", "其他", False, "signed"),
    # ---- 2024-01: Σ 43,500 万元 = 4.35 亿元 → 4.4 (a float 4.35 would round to 4.3)
    (11, D(2024, 1, 3), "10000", "内资", "江苏省", "南京市", "新兴产业", False, "signed"),
    (12, D(2024, 1, 9), "10000", "内资", "江苏省", "南京市", "新兴产业", False, "signed"),
    (13, D(2024, 1, 17), "10000", "内资", "四川省", "成都市", "新兴产业", False, "signed"),
    (14, D(2024, 1, 31), "13500", "内资", "四川省", "成都市", "新兴产业", False, "signed"),
    # ---- 2024-02: foreign capital without a province, and a leap-day 50亿+ project
    (15, D(2024, 2, 1), "10000", "外资", None, None, "其他", False, "signed"),
    (16, D(2024, 2, 2), "10000", "外资", None, None, "其他", False, "signed"),
    (17, D(2024, 2, 3), "10000", "外资", None, None, "其他", False, "signed"),
    (18, D(2024, 2, 4), "10000", "外资", None, None, "其他", False, "signed"),
    (19, D(2024, 2, 29), "500000", "内资", "山东省", "青岛市", "现代服务业", False, "signed"),
    # ---- 2023: the year-on-year bases
    (21, D(2023, 3, 15), "300000", "内资", "山东省", "青岛市", "优势产业", True, "signed"),
    (22, D(2023, 2, 10), "500000", "外资", None, None, "其他", False, "signed"),
    (23, D(2023, 1, 20), "600000", "内资", "上海市", "上海市", "优势产业", True, "signed"),
    (25, D(2023, 1, 5), "500000", "内资", "浙江省", "杭州市", "其他", False, "signed"),
    # below the threshold: 2023-04 / 2023Q2 must not appear
    (24, D(2023, 4, 10), "9000", "内资", "山东省", "青岛市", "其他", False, "signed"),
    # never signed: not counted anywhere
    (26, None, "800000", "内资", "山东省", "青岛市", "其他", True, "negotiating"),
]  # fmt: skip

EXPECT = {
    # 7 projects; shares of 7: 5 → 71.4, 3 → 42.9, 2 → 28.6, 1 → 14.3.
    # 30亿+ {3, 5}, both manufacturing, vs 2023-03 {21} → +100; 50亿+ {5} vs 0 → null.
    # 86.65 → 86.7 (banker's rounding would give 86.6).
    "2024-03": dict(
        period="2024-03", period_start=D(2024, 3, 1), period_end=D(2024, 3, 31),
        period_type="month",
        signed_projects=7, signed_investment_yi=N("86.7"),
        domestic_projects=5, domestic_share_pct=N("71.4"),
        out_of_province_projects=3, out_of_province_share_pct=N("42.9"),
        key_region_projects=3, key_region_share_pct=N("42.9"),
        advantage_industry_projects=2, advantage_industry_share_pct=N("28.6"),
        emerging_industry_projects=2, emerging_industry_share_pct=N("28.6"),
        modern_service_projects=1, modern_service_share_pct=N("14.3"),
        projects_30yi_plus=2, manufacturing_30yi_plus=2, manufacturing_30yi_plus_yoy_pct=100,
        projects_50yi_plus=1, projects_50yi_plus_yoy_pct=None,
    ),
    # 16 projects; Σ 1,450,000 → 145.0; key region 5/16 = 31.25 → 31.3 (banker's: 31.2),
    # out of province 7/16 = 43.75 → 43.8, domestic 10/16 = 62.5.
    # manufacturing 30亿+ {3, 5} vs 2023Q1 {21, 23} → 0; 50亿+ {5, 19} vs {22, 23, 25} → -33.
    "2024Q1": dict(
        period="2024Q1", period_start=D(2024, 1, 1), period_end=D(2024, 3, 31),
        period_type="quarter",
        signed_projects=16, signed_investment_yi=N("145.0"),
        domestic_projects=10, domestic_share_pct=N("62.5"),
        out_of_province_projects=7, out_of_province_share_pct=N("43.8"),
        key_region_projects=5, key_region_share_pct=N("31.3"),
        advantage_industry_projects=2, advantage_industry_share_pct=N("12.5"),
        emerging_industry_projects=6, emerging_industry_share_pct=N("37.5"),
        modern_service_projects=2, modern_service_share_pct=N("12.5"),
        projects_30yi_plus=3, manufacturing_30yi_plus=2, manufacturing_30yi_plus_yoy_pct=0,
        projects_50yi_plus=2, projects_50yi_plus_yoy_pct=-33,
    ),
    # Jan + Feb 2024: 9 projects, Σ 583,500 → 58.35 → 58.4; shares of 9.
    # manufacturing 30亿+ 0 vs 2023YTD02 {23} → -100; 50亿+ {19} vs {22, 23, 25} → -66.7 → -67.
    "2024YTD02": dict(
        period="2024YTD02", period_start=D(2024, 1, 1), period_end=D(2024, 2, 29),
        period_type="ytd",
        signed_projects=9, signed_investment_yi=N("58.4"),
        domestic_projects=5, domestic_share_pct=N("55.6"),
        out_of_province_projects=4, out_of_province_share_pct=N("44.4"),
        key_region_projects=2, key_region_share_pct=N("22.2"),
        advantage_industry_projects=0, advantage_industry_share_pct=N("0.0"),
        emerging_industry_projects=4, emerging_industry_share_pct=N("44.4"),
        modern_service_projects=1, modern_service_share_pct=N("11.1"),
        projects_30yi_plus=1, manufacturing_30yi_plus=0, manufacturing_30yi_plus_yoy_pct=-100,
        projects_50yi_plus=1, projects_50yi_plus_yoy_pct=-67,
    ),
}  # fmt: skip

EXPECT_PERIODS = [
    "2023-01", "2023-02", "2023-03", "2023Q1",
    *[f"2023YTD{m:02d}" for m in range(1, 13)],  # 2023 is a past year: YTD runs to December
    "2024-01", "2024-02", "2024-03", "2024Q1",
    "2024YTD01", "2024YTD02", "2024YTD03",  # the latest year: YTD stops at the last month with data
]  # fmt: skip

ONE_DECIMAL = [
    "signed_investment_yi", "domestic_share_pct", "out_of_province_share_pct",
    "key_region_share_pct", "advantage_industry_share_pct", "emerging_industry_share_pct",
    "modern_service_share_pct",
]  # fmt: skip


def _insert_projects(conn, rows) -> None:
    insert_projects(
        conn,
        [
            {
                "hub_project_id": pid,
                "capital_type": capital,
                "origin_country": "中国" if province else "日本",
                "origin_province": province,
                "origin_city": city,
                "industry_category": category,
                "is_manufacturing": mfg,
                "signed_investment_wan": Decimal(wan),
                "planned_investment_wan": Decimal(wan),
                "stage": stage,
                "signed_on": signed_on,
                "terminated_on": D(2024, 6, 1) if stage == "terminated" else None,
            }
            for pid, signed_on, wan, capital, province, city, category, mfg, stage in rows
        ],
    )


@pytest.fixture
def indicators(fresh_warehouse_url):
    with connect(fresh_warehouse_url, autocommit=True) as conn:
        _insert_projects(conn, GIVEN_PROJECTS)
        with conn.cursor(row_factory=dict_row) as cur:
            cur.execute("select * from shared.signing_indicators")
            return cur.fetchall()


def test_one_row_per_period_that_has_data(indicators):
    periods = [row["period"] for row in indicators]
    assert sorted(periods) == sorted(EXPECT_PERIODS)
    assert len(periods) == len(set(periods))


@pytest.mark.parametrize("period", sorted(EXPECT))
def test_period_row_is_exact(indicators, period):
    row = next(r for r in indicators if r["period"] == period)
    assert row == EXPECT[period]


def test_amounts_and_shares_carry_exactly_one_decimal(indicators):
    for row in indicators:
        for column in ONE_DECIMAL:
            assert row[column].as_tuple().exponent == -1, (row["period"], column, row[column])
        assert isinstance(row["manufacturing_30yi_plus_yoy_pct"], int | None)


def test_yi_is_summed_in_wan_then_rounded_half_up_on_exact_decimals(indicators):
    by_period = {r["period"]: r for r in indicators}
    assert by_period["2024-01"]["signed_investment_yi"] == N("4.4")  # 4.35: float gives 4.3
    assert by_period["2024-03"]["signed_investment_yi"] == N("86.7")  # 86.65: banker's 86.6


def test_zero_or_absent_base_gives_null_growth(indicators):
    by_period = {r["period"]: r for r in indicators}
    # 2023 has no 2022 to compare with
    assert all(
        r["manufacturing_30yi_plus_yoy_pct"] is None and r["projects_50yi_plus_yoy_pct"] is None
        for p, r in by_period.items()
        if p.startswith("2023")
    )
    # 2024-02: manufacturing 30亿+ base (2023-02) is 0 → null; 50亿+ {19} vs {22} → 0
    assert by_period["2024-02"]["manufacturing_30yi_plus_yoy_pct"] is None
    assert by_period["2024-02"]["projects_50yi_plus_yoy_pct"] == 0


def test_below_threshold_and_unsigned_projects_are_not_counted(indicators):
    by_period = {r["period"]: r for r in indicators}
    assert "2023-04" not in by_period and "2023Q2" not in by_period
    # 2023YTD04 still holds only the four 2023 projects of 亿元 and more
    assert by_period["2023YTD04"]["signed_projects"] == 4
    assert by_period["2023YTD12"]["signed_investment_yi"] == N("190.0")


# ---------------------------------------------------------------- thresholds, 港澳台 capital

# The 30亿 and 50亿 thresholds exactly at and one fen below the boundary, and the capital of
# Hong Kong, Macao and Taiwan investors: 外资 (commerce's capital_type), origin_country 中国.
GIVEN_BOUNDARIES = [
    # 1 fen below 30亿: not 30亿+; domestic from 江苏省: out of province, 长三角
    (31, D(2025, 5, 1), "299999.99", "内资", "江苏省", "南京市", "优势产业", True, "signed"),
    # exactly 30亿: 30亿+, manufacturing; 山东省: not out of province
    (32, D(2025, 5, 2), "300000", "内资", "山东省", "济南市", "其他", True, "signed"),
    # 1 fen below 50亿: 30亿+ only; Macao capital is 外资: key region (粤港澳), not domestic
    (33, D(2025, 5, 3), "499999.99", "外资", "澳门特别行政区", None, "其他", False, "signed"),
    # exactly 50亿: 30亿+ and 50亿+; Taiwan capital is 外资 and in no key region
    (34, D(2025, 5, 4), "500000", "外资", "台湾省", "台北市", "其他", False, "landed"),
    # Hong Kong capital, 外资: key region, not out of province (only 内资 can be)
    (35, D(2025, 5, 31), "10000", "外资", "香港特别行政区", None, "新兴产业", False, "signed"),
]  # fmt: skip

# 5 projects, shares of 5. Σ 1,609,999.98 万元 = 160.999998 亿元 → 161.0.
# domestic {31, 32}; out of province {31}; key region {31, 33, 35}; 30亿+ {32, 33, 34},
# of them manufacturing {32}; 50亿+ {34}; no 2024-05 base → both growths null.
EXPECT_BOUNDARIES = dict(
    period="2025-05", period_start=D(2025, 5, 1), period_end=D(2025, 5, 31),
    period_type="month",
    signed_projects=5, signed_investment_yi=N("161.0"),
    domestic_projects=2, domestic_share_pct=N("40.0"),
    out_of_province_projects=1, out_of_province_share_pct=N("20.0"),
    key_region_projects=3, key_region_share_pct=N("60.0"),
    advantage_industry_projects=1, advantage_industry_share_pct=N("20.0"),
    emerging_industry_projects=1, emerging_industry_share_pct=N("20.0"),
    modern_service_projects=0, modern_service_share_pct=N("0.0"),
    projects_30yi_plus=3, manufacturing_30yi_plus=1, manufacturing_30yi_plus_yoy_pct=None,
    projects_50yi_plus=1, projects_50yi_plus_yoy_pct=None,
)  # fmt: skip


def test_thresholds_at_the_boundary_and_hong_kong_macao_taiwan_capital(fresh_warehouse_url):
    with connect(fresh_warehouse_url, autocommit=True) as conn:
        _insert_projects(conn, GIVEN_BOUNDARIES)
        with conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute("select * from shared.signing_indicators").fetchall()
    by_period = {r["period"]: r for r in rows}
    assert sorted(by_period) == ["2025-05", "2025Q2", "2025YTD05"]
    assert by_period["2025-05"] == EXPECT_BOUNDARIES
    # one month of data: the quarter and year to date hold the same projects
    for period in ("2025Q2", "2025YTD05"):
        assert by_period[period]["projects_30yi_plus"] == 3
        assert by_period[period]["projects_50yi_plus"] == 1


# ---------------------------------------------------------------- land quota usage

# parcel_id, contract_on, area_ha, quota_mu, status
GIVEN_PARCELS = [
    ("370211-2024-G001", D(2024, 1, 15), "0.5", None, "有效"),
    ("370211-2024-G002", D(2024, 3, 5), "1.2345", "10.5", "有效"),
    ("370211-2024-G003", D(2024, 3, 31), "2", "0", "有效"),
    ("370211-2024-G004", D(2024, 3, 10), "5", "30", "作废"),  # withdrawn: never counts
    ("370211-2024-G005", D(2024, 5, 2), "1", "15", "有效"),
    ("370211-2024-G006", None, "7", "70", "有效"),  # no contract date: in no period
    ("370211-2024-G007", D(2024, 3, 11), "0.00003", "0", "作废"),  # area_mu tie: 0.00045
]  # fmt: skip


@pytest.fixture
def land(fresh_warehouse_url):
    with connect(fresh_warehouse_url, autocommit=True) as conn:
        for line_no, (parcel_id, contract_on, area, quota, status) in enumerate(GIVEN_PARCELS):
            conn.execute(
                """
                insert into core.land_parcels (
                    parcel_id, project_name, land_user_name, district_code, area_ha, quota_mu,
                    contract_on, status, line_no, raw_id, batch_id)
                values (%s, '测试用地', '测试公司', '370211', %s::numeric, %s::numeric, %s, %s,
                        %s, %s, 'test')
                """,
                (parcel_id, area, quota, contract_on, status, line_no + 1, line_no + 1),
            )
        with conn.cursor(row_factory=dict_row) as cur:
            usage = cur.execute("select * from shared.land_quota_usage").fetchall()
            parcels = cur.execute("select * from shared.land_parcels").fetchall()
    return usage, parcels


def test_land_quota_usage_counts_valid_parcels_per_period(land):
    usage, _ = land
    by_period = {r["period"]: r for r in usage}
    assert sorted(by_period) == sorted(
        [
            "2024-01",
            "2024-03",
            "2024-05",
            "2024Q1",
            "2024Q2",
            "2024YTD01",
            "2024YTD02",
            "2024YTD03",
            "2024YTD04",
            "2024YTD05",
        ]
    )
    march = by_period["2024-03"]
    assert (march["period_start"], march["period_end"]) == (D(2024, 3, 1), D(2024, 3, 31))
    assert (march["parcels"], march["area_ha"]) == (2, N("3.2345"))
    assert march["quota_used_mu"] == N("10.5")
    assert march["area_mu"] == N("48.5175")
    q1 = by_period["2024Q1"]
    assert (q1["parcels"], q1["area_ha"], q1["quota_used_mu"]) == (3, N("3.7345"), N("10.5"))
    ytd04 = by_period["2024YTD04"]
    assert (ytd04["period_start"], ytd04["period_end"]) == (D(2024, 1, 1), D(2024, 4, 30))
    assert (ytd04["parcels"], ytd04["area_ha"]) == (3, N("3.7345"))
    assert by_period["2024YTD05"]["parcels"] == 4
    assert by_period["2024YTD05"]["quota_used_mu"] == N("25.5")


def test_land_parcels_shows_every_parcel_with_mu_rounded_half_up(land):
    _, parcels = land
    by_id = {r["parcel_id"]: r for r in parcels}
    assert len(by_id) == len(GIVEN_PARCELS)
    assert by_id["370211-2024-G002"]["area_mu"] == N("18.5175")
    assert by_id["370211-2024-G007"]["area_mu"] == N("0.0005")  # 0.00045: banker's 0.0004
    assert by_id["370211-2024-G004"]["status"] == "作废"
    assert all(r["hub_project_id"] is None for r in parcels)  # none linked to a project
