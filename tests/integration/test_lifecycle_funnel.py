"""shared.lifecycle_funnel, shared.big_projects and shared.stalled_projects(_as_of) against
hand-computed rows.

Given/expect, as test_signing_indicators.py: a few projects go straight into core.projects
(and their evidence into core.project_milestones); every expected number below was worked
out by hand from the definitions in sql/shared/180-200 (contracts/warehouse.md, "Lifecycle"),
and the arithmetic is written next to it.

Three sets of projects share one warehouse without touching each other's answers: the funnel
projects are signed in 2024 (the funnel is asserted for 2024 cohorts only), the big projects
in 2023 or never, the stalled ones in 2022 (asserted as of 2022-09-30).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from psycopg.rows import dict_row

from hub.warehouse.connection import connect
from tests.integration.conftest import insert_milestones, insert_projects, reader_login

pytestmark = pytest.mark.integration

D = dt.date
N = Decimal
A, A_NAME = "370202", "市南区"
B, B_NAME = "370203", "市北区"
HOME = "智能家电"
CARS = "新能源汽车"


def project(pid, signed_on, wan, district, chain, stage, **dates):
    return {
        "hub_project_id": pid,
        "signed_on": signed_on,
        "signed_investment_wan": N(wan),
        "district_code": district,
        "district_name": {A: A_NAME, B: B_NAME, None: None}[district],
        "industry_chain": chain,
        "stage": stage,
        **dates,
    }


# ------------------------------------------------------------------------ the funnel (2024)

FUNNEL_PROJECTS = [
    # ---- 2024-03 × 市南区 × 智能家电: eight counted
    # first day of the month (and of nothing else); every stage, every date.
    # signed→landed 10 days, landed→construction 21 days
    project(1, D(2024, 3, 1), "10000", A, HOME, "in_production",
            landed_on=D(2024, 3, 11), construction_started_on=D(2024, 4, 1),
            stats_included_month=D(2024, 5, 1), production_on=D(2024, 12, 1),
            completed_investment_ytd_wan=N("5000")),
    # last day of the month and of the quarter: 20 days, then 30 days
    project(2, D(2024, 3, 31), "20000", A, HOME, "under_construction",
            landed_on=D(2024, 4, 20), construction_started_on=D(2024, 5, 20),
            completed_investment_ytd_wan=N("1000.50")),
    # 60 days to land, not started
    project(3, D(2024, 3, 15), "14500", A, HOME, "landed", landed_on=D(2024, 5, 14)),
    # landed without a date (commerce 已落地): reached, but in no median
    project(4, D(2024, 3, 10), "12000", A, HOME, "landed"),
    # terminated after signing: signed and terminated, nothing else
    project(5, D(2024, 3, 5), "30000", A, HOME, "terminated", terminated_on=D(2024, 9, 1)),
    project(6, D(2024, 3, 20), "10000", A, HOME, "signed"),
    project(7, D(2024, 3, 21), "10000", A, HOME, "signed"),
    # started without a date (commerce 已开工): reached construction, 11 days to land
    project(8, D(2024, 3, 22), "10000", A, HOME, "under_construction",
            landed_on=D(2024, 4, 2)),
    # ---- not counted in 2024-03
    # under 1亿 (9,999.99 万元): nowhere, however far it got
    project(9, D(2024, 3, 25), "9999.99", A, HOME, "in_production",
            landed_on=D(2024, 3, 26), construction_started_on=D(2024, 4, 1),
            stats_included_month=D(2024, 4, 1), production_on=D(2024, 6, 1)),
    # the day after the month and the quarter: 2024-04 / 2024Q2
    project(10, D(2024, 4, 1), "10000", A, HOME, "signed"),
    # the day before the month: 2024-02, but in 2024Q1 with the March eight
    project(11, D(2024, 2, 29), "10000", A, HOME, "signed"),
    # never signed
    project(12, None, "50000", A, HOME, "negotiating"),
    # ---- 2024-01 × 市北区 × 新能源汽车: three counted (first and last day of January)
    project(20, D(2024, 1, 1), "50000", B, CARS, "landed", landed_on=D(2024, 2, 1)),  # 31 days
    # 10 days to land; 2024-01-25 → 2024-03-01 is 36 days (leap year)
    project(21, D(2024, 1, 15), "10000", B, CARS, "in_statistics",
            landed_on=D(2024, 1, 25), construction_started_on=D(2024, 3, 1),
            stats_included_month=D(2024, 4, 1)),
    project(22, D(2024, 1, 31), "10000", B, CARS, "signed"),
    # ---- 2024-02 × 市北区 × 新能源汽车: 5 days to land
    project(23, D(2024, 2, 10), "10000", B, CARS, "landed", landed_on=D(2024, 2, 15)),
    # ---- no district / no chain: kept, as groups of their own
    project(30, D(2024, 3, 5), "10000", None, HOME, "signed"),
    project(31, D(2024, 3, 6), "10000", A, None, "landed", landed_on=D(2024, 3, 6)),  # 0 days
]  # fmt: skip

COUNTS = (
    "signed_projects", "landed_projects", "under_construction_projects",
    "in_statistics_projects", "in_production_projects", "terminated_projects",
)  # fmt: skip
RATES = (
    "landed_rate_pct", "under_construction_rate_pct", "in_statistics_rate_pct",
    "in_production_rate_pct", "terminated_rate_pct",
)  # fmt: skip


def funnel_row(cohort_type, cohort, start, end, district, chain, counts, rates, medians,
               yi, completed):  # fmt: skip
    return {
        "cohort_type": cohort_type,
        "cohort": cohort,
        "cohort_start": start,
        "cohort_end": end,
        "district_code": district,
        "district_name": {A: A_NAME, B: B_NAME, None: None}[district],
        "industry_chain": chain,
        **dict(zip(COUNTS, counts, strict=True)),
        **{name: N(value) for name, value in zip(RATES, rates, strict=True)},
        "median_days_signed_to_landed": None if medians[0] is None else N(medians[0]),
        "median_days_landed_to_construction": None if medians[1] is None else N(medians[1]),
        "signed_investment_yi": N(yi),
        "completed_investment_ytd_wan": None if completed is None else N(completed),
    }


MAR = ("month", "2024-03", D(2024, 3, 1), D(2024, 3, 31))
Q1 = ("quarter", "2024Q1", D(2024, 1, 1), D(2024, 3, 31))
EXPECT_FUNNEL = [
    # Projects 1-8. Landed {1, 2, 3, 4, 8} = 5/8 = 62.5; construction {1, 2, 8} = 3/8 = 37.5;
    # statistics {1}, production {1}, terminated {5}: 1/8 = 12.5 each.
    # signed→landed over {1, 2, 3, 8}: 10, 11, 20, 60 → (11 + 20) / 2 = 15.5 (even count);
    # landed→construction over {1, 2}: 21, 30 → 25.5.
    # Σ 116,500 万元 = 11.65 亿元 → 11.7 (half up; banker's 11.6). Completed 5000 + 1000.50.
    funnel_row(*MAR, A, HOME, (8, 5, 3, 1, 1, 1), ("62.5", "37.5", "12.5", "12.5", "12.5"),
               ("15.5", "25.5"), "11.7", "6000.50"),
    funnel_row(*MAR, A, None, (1, 1, 0, 0, 0, 0), ("100.0", "0.0", "0.0", "0.0", "0.0"),
               ("0.0", None), "1.0", None),
    funnel_row(*MAR, None, HOME, (1, 0, 0, 0, 0, 0), ("0.0", "0.0", "0.0", "0.0", "0.0"),
               (None, None), "1.0", None),
    # Projects 20-22: landed 2/3 = 66.67 → 66.7; construction, statistics 1/3 = 33.3.
    # signed→landed 31, 10 → 20.5; landed→construction 36 (one project) → 36.0.
    funnel_row("month", "2024-01", D(2024, 1, 1), D(2024, 1, 31), B, CARS, (3, 2, 1, 1, 0, 0),
               ("66.7", "33.3", "33.3", "0.0", "0.0"), ("20.5", "36.0"), "7.0", None),
    funnel_row("month", "2024-02", D(2024, 2, 1), D(2024, 2, 29), A, HOME, (1, 0, 0, 0, 0, 0),
               ("0.0", "0.0", "0.0", "0.0", "0.0"), (None, None), "1.0", None),
    funnel_row("month", "2024-02", D(2024, 2, 1), D(2024, 2, 29), B, CARS, (1, 1, 0, 0, 0, 0),
               ("100.0", "0.0", "0.0", "0.0", "0.0"), ("5.0", None), "1.0", None),
    funnel_row("month", "2024-04", D(2024, 4, 1), D(2024, 4, 30), A, HOME, (1, 0, 0, 0, 0, 0),
               ("0.0", "0.0", "0.0", "0.0", "0.0"), (None, None), "1.0", None),
    # Projects 1-8 and 11: landed 5/9 = 55.56 → 55.6; 3/9 = 33.3; 1/9 = 11.1.
    # Medians as in March (11 has no landing). Σ 126,500 → 12.65 → 12.7.
    funnel_row(*Q1, A, HOME, (9, 5, 3, 1, 1, 1), ("55.6", "33.3", "11.1", "11.1", "11.1"),
               ("15.5", "25.5"), "12.7", "6000.50"),
    funnel_row(*Q1, A, None, (1, 1, 0, 0, 0, 0), ("100.0", "0.0", "0.0", "0.0", "0.0"),
               ("0.0", None), "1.0", None),
    funnel_row(*Q1, None, HOME, (1, 0, 0, 0, 0, 0), ("0.0", "0.0", "0.0", "0.0", "0.0"),
               (None, None), "1.0", None),
    # Projects 20-23: landed 3/4 = 75.0; construction, statistics 1/4 = 25.0.
    # signed→landed 31, 10, 5 → 10.0 (odd count); landed→construction 36.0. Σ 80,000 → 8.0.
    funnel_row(*Q1, B, CARS, (4, 3, 1, 1, 0, 0), ("75.0", "25.0", "25.0", "0.0", "0.0"),
               ("10.0", "36.0"), "8.0", None),
    funnel_row("quarter", "2024Q2", D(2024, 4, 1), D(2024, 6, 30), A, HOME, (1, 0, 0, 0, 0, 0),
               ("0.0", "0.0", "0.0", "0.0", "0.0"), (None, None), "1.0", None),
]  # fmt: skip

# ------------------------------------------------------------------ big projects (2023)

BIG_PROJECTS = [
    # exactly 30亿: in, not 50亿+
    project(40, D(2023, 5, 10), "300000", A, HOME, "landed", landed_on=D(2023, 8, 1)),
    # one fen below 30亿: out
    project(41, D(2023, 5, 11), "299999.99", A, HOME, "signed"),
    # exactly 50亿: 50亿+
    project(42, D(2023, 6, 1), "500000", A, CARS, "under_construction",
            landed_on=D(2023, 9, 1), construction_started_on=D(2023, 9, 1)),
    # one fen below 50亿: 30亿+ only (shown as 50.0 亿元 all the same)
    project(43, D(2023, 6, 2), "499999.99", B, CARS, "signed"),
    # never signed, no dated evidence
    project(44, None, "800000", None, None, "negotiating"),
]  # fmt: skip

BIG_MILESTONES = [
    (40, "signed", D(2023, 5, 10), "commerce", "SW-40"),
    (40, "landed", D(2023, 8, 1), "approval", "EV-40"),
    (40, "landed", None, "commerce", "SW-40"),  # undated: never the last evidence
    (42, "signed", D(2023, 6, 1), "commerce", "SW-42"),
    (42, "landed", D(2023, 9, 1), "land", "P-42"),
    (42, "under_construction", D(2023, 9, 1), "stats", "S-42"),  # same day, later milestone
    (43, "signed", D(2023, 6, 2), "commerce", "SW-43"),
    (44, "negotiating", None, "commerce", "SW-44"),
]

EXPECT_BIG = {
    40: dict(signed_investment_yi=N("30.0"), is_50yi_plus=False, stage="landed",
             stage_zh="已落地", last_evidence_on=D(2023, 8, 1),
             last_evidence_milestone="landed", last_evidence_source="approval"),
    42: dict(signed_investment_yi=N("50.0"), is_50yi_plus=True, stage="under_construction",
             stage_zh="在建", last_evidence_on=D(2023, 9, 1),
             last_evidence_milestone="under_construction", last_evidence_source="stats"),
    43: dict(signed_investment_yi=N("50.0"), is_50yi_plus=False, stage="signed",
             stage_zh="已签约", last_evidence_on=D(2023, 6, 2),
             last_evidence_milestone="signed", last_evidence_source="commerce"),
    44: dict(signed_investment_yi=N("80.0"), is_50yi_plus=True, stage="negotiating",
             stage_zh="在谈", last_evidence_on=None, last_evidence_milestone=None,
             last_evidence_source=None),
}  # fmt: skip

# --------------------------------------------------------- stalled, as of 2022-09-30

AS_OF = D(2022, 9, 30)  # six months before: 2022-03-30
STALLED_PROJECTS = [
    # signed the day before the six-month line, nothing since: land bureau, 6 months
    project(50, D(2022, 3, 29), "10000", A, HOME, "signed"),
    # signed exactly six months before: not yet "more than six months"
    project(51, D(2022, 3, 30), "10000", A, HOME, "signed"),
    # a valid parcel without a contract date, the filing (its dated landing) after `at`:
    # stalled at `at`, and the approval bureau is next; 2022-01-10 → 09-30: 8 months 20 days
    project(52, D(2022, 1, 10), "10000", A, HOME, "landed", landed_on=D(2022, 10, 15)),
    # landed (parcel contract) before `at`: not stalled
    project(53, D(2022, 1, 10), "10000", A, HOME, "landed", landed_on=D(2022, 6, 1)),
    # landed without any date (commerce 已落地): landed, so never stalled
    project(54, D(2022, 2, 1), "10000", A, HOME, "landed"),
    # terminated on `at`: not stalled
    project(55, D(2022, 2, 1), "10000", A, HOME, "terminated", terminated_on=D(2022, 9, 30)),
    # terminated the day after `at`: still stalled at `at`
    project(56, D(2022, 2, 1), "10000", A, HOME, "terminated", terminated_on=D(2022, 10, 1)),
    # construction (stats start month) before `at`, no landing date: past landing
    project(57, D(2022, 2, 1), "10000", A, HOME, "under_construction",
            construction_started_on=D(2022, 9, 1)),
    # construction after `at`, no landing date: stalled at `at`
    project(58, D(2022, 2, 1), "10000", A, HOME, "under_construction",
            construction_started_on=D(2022, 11, 1)),
    # another district, under 1亿 (no threshold here)
    project(59, D(2022, 3, 1), "5000", B, CARS, "signed"),
    # a parcel contracted after `at` (its landing date): at `at` land had not acted yet
    project(60, D(2022, 2, 15), "10000", A, HOME, "landed", landed_on=D(2022, 10, 5)),
]  # fmt: skip

STALLED_MILESTONES = [
    (52, "landed", None, "land", "P-52"),
    (52, "landed", D(2022, 10, 15), "approval", "EV-52"),
    (53, "landed", D(2022, 6, 1), "land", "P-53"),
    (54, "landed", None, "commerce", "SW-54"),
    (57, "under_construction", D(2022, 9, 1), "stats", "S-57"),
    (58, "under_construction", D(2022, 11, 1), "stats", "S-58"),
    (60, "landed", D(2022, 10, 5), "land", "P-60"),
]

LAND = ("land", "自然资源和规划局", "土地供应")
APPROVAL = ("approval", "行政审批局", "项目备案/核准")
# hub_project_id: (months_since_signing, stage, next department code, name, step)
EXPECT_STALLED = {
    50: (6, "signed", *LAND),  # 2022-03-29 → 09-30: 6 months 1 day
    52: (8, "landed", *APPROVAL),
    56: (7, "terminated", *LAND),  # 2022-02-01 → 09-30: 7 months 29 days
    58: (7, "under_construction", *LAND),
    59: (6, "signed", *LAND),  # 2022-03-01 → 09-30: 6 months 29 days
    60: (7, "landed", *LAND),  # 2022-02-15 → 09-30: 7 months 15 days
}


@pytest.fixture(scope="module")
def warehouse(databases) -> str:
    url = databases.create()
    with connect(url, autocommit=True) as conn:
        insert_projects(conn, FUNNEL_PROJECTS + BIG_PROJECTS + STALLED_PROJECTS)
        insert_milestones(conn, BIG_MILESTONES + STALLED_MILESTONES)
    return url


def _rows(conn, query, params=None):
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, params).fetchall()


def _key(row):
    return (row["cohort_type"], row["cohort"], row["district_code"], row["industry_chain"])


FUNNEL_2024 = "select * from shared.lifecycle_funnel where cohort_start >= '2024-01-01'"


def test_funnel_rows_are_exact(warehouse):
    with connect(warehouse) as conn:
        rows = _rows(conn, FUNNEL_2024)
    got = {_key(row): row for row in rows}
    assert len(got) == len(rows), "one row per cohort × district × chain"
    expected = {_key(row): row for row in EXPECT_FUNNEL}
    assert sorted(got, key=str) == sorted(expected, key=str)
    for key, row in expected.items():
        assert got[key] == row, key


def test_funnel_rates_and_medians_carry_one_decimal(warehouse):
    with connect(warehouse) as conn:
        rows = _rows(conn, "select * from shared.lifecycle_funnel")
    for row in rows:
        for column in (*RATES, "signed_investment_yi"):
            assert row[column].as_tuple().exponent == -1, (_key(row), column)
        for column in ("median_days_signed_to_landed", "median_days_landed_to_construction"):
            assert row[column] is None or row[column].as_tuple().exponent == -1


def test_funnel_counts_every_signed_project_once_per_cohort_type(warehouse):
    # 18 funnel projects: 9 (under 1亿) and 12 (unsigned) never count → 16, once per type
    with connect(warehouse) as conn:
        totals = dict(
            conn.execute(
                "select cohort_type, sum(signed_projects) from shared.lifecycle_funnel"
                " where cohort_start >= '2024-01-01' group by 1"
            ).fetchall()
        )
    assert totals == {"month": 16, "quarter": 16}


def test_big_projects_thresholds_and_last_evidence(warehouse):
    with connect(warehouse) as conn:
        rows = _rows(conn, "select * from shared.big_projects")
    by_id = {row["hub_project_id"]: row for row in rows}
    assert sorted(by_id) == sorted(EXPECT_BIG)  # 41 (299,999.99 万元) is not there
    for pid, expected in EXPECT_BIG.items():
        assert {name: by_id[pid][name] for name in expected} == expected, pid
    assert by_id[40]["signed_investment_wan"] == N("300000")
    assert (by_id[43]["district_code"], by_id[43]["district_name"]) == (B, B_NAME)


def test_stalled_as_of_a_past_date(warehouse):
    with connect(warehouse) as conn:
        rows = _rows(conn, "select * from shared.stalled_projects_as_of(%s)", [AS_OF])
    got = {
        row["hub_project_id"]: (
            row["months_since_signing"],
            row["stage"],
            row["next_department"],
            row["next_department_zh"],
            row["next_step_zh"],
        )
        for row in rows
        if row["signed_on"].year == 2022
    }
    assert got == EXPECT_STALLED
    by_id = {row["hub_project_id"]: row for row in rows}
    assert (by_id[59]["signed_investment_wan"], by_id[59]["signed_investment_yi"]) == (
        N("5000"),
        N("0.5"),
    )
    assert (by_id[59]["district_code"], by_id[59]["district_name"]) == (B, B_NAME)


def test_stalled_view_is_the_function_today(warehouse):
    with connect(warehouse) as conn:
        view = _rows(conn, "select * from shared.stalled_projects")
        today = _rows(conn, "select * from shared.stalled_projects_as_of(current_date)")
    assert view == today
    # today every project signed by 2024 that is still at "signed" is stalled, and the
    # terminated, landed and further ones are not
    signed_only = {6, 7, 10, 11, 22, 30, 41, 43, 50, 51, 59}
    assert {row["hub_project_id"] for row in view} == signed_only
    assert {row["next_department"] for row in view} == {"land"}


def test_a_district_scoped_reader_sees_only_its_district(warehouse):
    with reader_login(warehouse, "hub_reader", B) as conn:
        funnel = _rows(conn, FUNNEL_2024)
        big = _rows(conn, "select hub_project_id from shared.big_projects")
        stalled = _rows(conn, "select * from shared.stalled_projects_as_of(%s)", [AS_OF])
        stalled_today = _rows(conn, "select hub_project_id from shared.stalled_projects")
    expected = [row for row in EXPECT_FUNNEL if row["district_code"] == B]
    assert sorted(map(_key, funnel)) == sorted(map(_key, expected))
    assert sorted(funnel, key=_key) == sorted(expected, key=_key)
    assert [row["hub_project_id"] for row in big] == [43]
    assert [row["hub_project_id"] for row in stalled] == [59]
    assert {row["hub_project_id"] for row in stalled_today} == {22, 43, 59}


def test_an_unscoped_reader_sees_every_row(warehouse):
    with reader_login(warehouse, "dept_land", None) as conn:
        funnel = _rows(conn, FUNNEL_2024)
        big = _rows(conn, "select hub_project_id from shared.big_projects")
    assert len(funnel) == len(EXPECT_FUNNEL)
    assert len(big) == len(EXPECT_BIG)
