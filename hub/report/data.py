"""The bulletin's data: read from the warehouse into plain dataclasses, in ONE snapshot.

Every query is a reviewed file in ``sql/reports/bulletin_*.sql``; they run in one read-only
REPEATABLE READ transaction, so a sync publishing meanwhile never mixes two states of ``shared``
into one bulletin (the headline figures, charts, funnel and lists all agree).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from hub.report.period import Period, default_ytd_month, parse_period

FUNNEL_STEPS = (
    ("signed_projects", "签约"),
    ("landed_projects", "落地"),
    ("under_construction_projects", "开工在建"),
    ("in_statistics_projects", "纳统"),
    ("in_production_projects", "投产"),
)
DIMENSIONS = ("origin_province", "key_region", "industry", "district")


@dataclass(frozen=True)
class Slice:
    """One bar of a breakdown: projects counted in the period and their signed investment."""

    label: str
    projects: int
    investment_yi: Decimal


@dataclass(frozen=True)
class FunnelRow:
    """``shared.lifecycle_funnel`` summed over the period's cohorts: the city (``is_city``)
    or one district."""

    is_city: bool
    district_code: str | None
    district_name: str | None
    signed_projects: int
    landed_projects: int
    under_construction_projects: int
    in_statistics_projects: int
    in_production_projects: int
    terminated_projects: int
    completed_investment_ytd_wan: Decimal

    def rate_pct(self, column: str) -> Decimal | None:
        """``column`` as a percentage of the signed projects, one decimal, half up; None
        when nothing was signed."""
        from decimal import ROUND_HALF_UP

        if not self.signed_projects:
            return None
        value = Decimal(100) * getattr(self, column) / self.signed_projects
        return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Bulletin:
    """Everything one bulletin shows. ``indicators`` is the period's
    ``shared.signing_indicators`` row (None: no counted project in the period)."""

    period: Period
    indicators: dict[str, Any] | None
    breakdowns: dict[str, list[Slice]]
    funnel: FunnelRow | None
    funnel_by_district: list[FunnelRow]
    big_projects: list[dict[str, Any]]
    stalled: list[dict[str, Any]]
    drawn_on: date = field(default_factory=date.today)


def _fetch(conn, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    from hub.warehouse.connection import fetch_dicts

    return fetch_dicts(conn, f"reports/{name}.sql", params)


def resolve_period(conn, period: Period, today: date | None = None) -> Period:
    """A year to date resolved against the warehouse (hub/report/period.py); others as given."""
    if period.resolved:
        return period
    [row] = _fetch(conn, "bulletin_ytd_month", {"year": period.year})
    month = row["last_month"] or default_ytd_month(period.year, today or date.today())
    return period.through(month)


def read_bulletin(conn, period: Period | str, today: date | None = None) -> Bulletin:
    """Read one bulletin. ``conn`` must not be inside a transaction: the reads run in a
    read-only REPEATABLE READ transaction of their own (one snapshot)."""
    import psycopg

    if isinstance(period, str):
        period = parse_period(period)
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    with conn.transaction():
        period = resolve_period(conn, period, today)
        bounds = {"period_start": period.start, "period_end": period.end}
        indicators = _fetch(conn, "bulletin_indicators", {"period": period.indicator_period})
        breakdowns: dict[str, list[Slice]] = {d: [] for d in DIMENSIONS}
        for row in _fetch(conn, "bulletin_breakdowns", bounds):
            breakdowns[row["dimension"]].append(
                Slice(row["label"], int(row["projects"]), row["investment_yi"])
            )
        funnel_rows = [
            FunnelRow(**row) for row in _fetch(conn, "bulletin_funnel", {"cohorts": period.cohorts})
        ]
        big = _fetch(conn, "bulletin_big_projects", bounds)
        stalled = _fetch(conn, "bulletin_stalled", {"period_end": period.end})
    city = next((r for r in funnel_rows if r.is_city), None)
    return Bulletin(
        period=period,
        indicators=indicators[0] if indicators else None,
        breakdowns=breakdowns,
        funnel=city,
        funnel_by_district=[r for r in funnel_rows if not r.is_city],
        big_projects=big,
        stalled=stalled,
        drawn_on=today or date.today(),
    )


# The headline figures, in the order shown: (column of shared.signing_indicators, label, unit,
# its share column, its year-on-year column). Shares are percent of the signed projects.
HEADLINE = (
    ("signed_projects", "签约亿元以上项目", "个", None, None),
    ("signed_investment_yi", "签约投资额", "亿元", None, None),
    ("domestic_projects", "内资项目", "个", "domestic_share_pct", None),
    ("out_of_province_projects", "省外内资项目", "个", "out_of_province_share_pct", None),
    ("key_region_projects", "京津冀、长三角、粤港澳大湾区项目", "个", "key_region_share_pct", None),
    ("advantage_industry_projects", "优势产业项目", "个", "advantage_industry_share_pct", None),
    ("emerging_industry_projects", "新兴产业项目", "个", "emerging_industry_share_pct", None),
    ("modern_service_projects", "现代服务业项目", "个", "modern_service_share_pct", None),
    ("projects_30yi_plus", "30亿元以上项目", "个", None, None),
    (
        "manufacturing_30yi_plus",
        "其中：30亿元以上制造业项目",
        "个",
        None,
        "manufacturing_30yi_plus_yoy_pct",
    ),
    ("projects_50yi_plus", "50亿元以上项目", "个", None, "projects_50yi_plus_yoy_pct"),
)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: int | Decimal
    unit: str
    share_pct: Decimal | None
    yoy_pct: int | None
    has_yoy: bool


def headline(bulletin: Bulletin) -> list[Figure]:
    """The period's headline figures; zeros when the period has no counted project."""
    row = bulletin.indicators or {}
    figures = []
    for key, label, unit, share, yoy in HEADLINE:
        zero = Decimal("0.0") if key.endswith("_yi") else 0
        figures.append(
            Figure(
                key=key,
                label=label,
                value=row.get(key, zero) if row else zero,
                unit=unit,
                share_pct=row.get(share) if share else None,
                yoy_pct=row.get(yoy) if yoy else None,
                has_yoy=yoy is not None,
            )
        )
    return figures


def top_with_rest(slices: list[Slice], keep: int = 10, rest: str = "其他") -> list[Slice]:
    """The ``keep`` largest slices (as ordered), the others summed into one ``rest`` slice."""
    if len(slices) <= keep + 1:
        return list(slices)
    head, tail = slices[:keep], slices[keep:]
    return [
        *head,
        Slice(
            rest,
            sum(s.projects for s in tail),
            sum((s.investment_yi for s in tail), Decimal("0.0")),
        ),
    ]


SOURCE_ZH = {
    "commerce": "商务局",
    "land": "自然资源和规划局",
    "approval": "行政审批局",
    "stats": "统计局",
}


def zh_milestone(milestone: str | None) -> str | None:
    """A lifecycle milestone's Chinese name (``landed`` → 已落地); unknown ones as given."""
    from hub.lifecycle import STAGE_ZH

    return STAGE_ZH.get(milestone, milestone) if milestone else milestone


def zh_source(source_system: str | None) -> str | None:
    """A source system's department (``land`` → 自然资源和规划局); unknown ones as given."""
    return SOURCE_ZH.get(source_system, source_system) if source_system else source_system


def _field(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda row: row[name]


#: The bulletin's two project lists, defined once for the page and the workbook: each column's
#: Chinese header and its value in a row of ``Bulletin.big_projects`` / ``Bulletin.stalled``.
BIG_PROJECT_COLUMNS: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...] = (
    ("项目名称", _field("project_name")),
    ("项目编号", _field("project_code")),
    ("区县", _field("district_name")),
    ("产业链", _field("industry_chain")),
    ("签约投资额（亿元）", _field("signed_investment_yi")),
    ("所处阶段", _field("stage_zh")),
    ("签约日期", _field("signed_on")),
    ("最近进展日期", _field("last_evidence_on")),
    ("最近进展", lambda row: zh_milestone(row["last_evidence_milestone"])),
    ("来源部门", lambda row: zh_source(row["last_evidence_source"])),
    ("50亿元以上", _field("is_50yi_plus")),
    ("本期签约", _field("signed_in_period")),
)
STALLED_COLUMNS: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...] = (
    ("项目名称", _field("project_name")),
    ("区县", _field("district_name")),
    ("签约日期", _field("signed_on")),
    ("签约以来（月）", _field("months_since_signing")),
    ("签约投资额（亿元）", _field("signed_investment_yi")),
    ("所处阶段", _field("stage_zh")),
    ("下一步责任部门", _field("next_department_zh")),
    ("下一步工作", _field("next_step_zh")),
)


def table(
    rows: list[dict[str, Any]], columns: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...]
) -> tuple[list[str], list[list[Any]]]:
    """``columns`` applied to ``rows``: the headers and one list of values per row."""
    return [header for header, _ in columns], [[value(r) for _, value in columns] for r in rows]
