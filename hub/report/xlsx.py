"""``hub report --format xlsx``: the bulletin as a workbook for Excel / WPS.

One sheet per table, headline figures first: 主要指标, 来源省份, 重点区域, 产业类别, 区县,
生命周期漏斗, 重大项目, 滞缓项目. Numbers are stored as numbers (amounts as exact decimals with
a ``0.0`` format), dates as dates (``yyyy-mm-dd``), headers in Chinese, the header row frozen,
columns sized to their content.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from hub.report.data import (
    BIG_PROJECT_COLUMNS,
    FUNNEL_STEPS,
    STALLED_COLUMNS,
    Bulletin,
    FunnelRow,
    Slice,
    headline,
    table,
)

#: The workbook's big-project sheet also carries the hub project id (for lookups in Excel).
BIG_PROJECT_COLUMNS_WITH_ID = (*BIG_PROJECT_COLUMNS, ("项目ID", lambda row: row["hub_project_id"]))

SHEETS = (
    "主要指标",
    "来源省份",
    "重点区域",
    "产业类别",
    "区县",
    "生命周期漏斗",
    "重大项目",
    "滞缓项目",
)


def _width(value) -> float:
    text = value.isoformat() if isinstance(value, date) else "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1.1 for ch in text)


def _cell(value):
    """A value as a cell holds it: numbers and dates as such, yes/no as 是/否, else text."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or isinstance(value, int | float | Decimal | date | str):
        return value
    return str(value)  # a UUID, say


def _sheet(book, title: str, headers: list[str], rows: list[list]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = book.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, datetime | date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, Decimal | float):
                cell.number_format = "#,##0.0"
            elif isinstance(cell.value, int):
                cell.number_format = "#,##0"
    for index, header in enumerate(headers, start=1):
        column = sheet.cell(row=1, column=index).column_letter
        widest = max([_width(header)] + [_width(r[index - 1]) for r in rows])
        sheet.column_dimensions[column].width = min(max(widest + 2, 8), 60)
    sheet.freeze_panes = "A2"


def _slices(slices: list[Slice]) -> list[list]:
    return [[s.label, s.projects, s.investment_yi] for s in slices]


def _funnel_row(name: str, row: FunnelRow) -> list:
    values = [name]
    values += [getattr(row, column) for column, _ in FUNNEL_STEPS]
    values += [row.terminated_projects]
    values += [row.rate_pct(column) for column, _ in FUNNEL_STEPS[1:]]
    values += [row.completed_investment_ytd_wan]
    return values


def render_xlsx(bulletin: Bulletin) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    period = bulletin.period
    _sheet(
        book,
        SHEETS[0],
        ["指标", "数值", "单位", "占比（%）", "同比（%）", "统计期", "起始日期", "截止日期"],
        [
            [
                f.label,
                f.value,
                f.unit,
                f.share_pct,
                f.yoy_pct,
                period.indicator_period,
                period.start,
                period.end,
            ]
            for f in headline(bulletin)
        ],
    )
    for title, dimension, first in (
        (SHEETS[1], "origin_province", "来源省份"),
        (SHEETS[2], "key_region", "重点区域"),
        (SHEETS[3], "industry", "产业类别"),
        (SHEETS[4], "district", "区县"),
    ):
        headers = [first, "项目数", "签约投资额（亿元）"]
        _sheet(book, title, headers, _slices(bulletin.breakdowns[dimension]))
    funnel_rows = []
    if bulletin.funnel is not None:
        funnel_rows.append(_funnel_row("全市", bulletin.funnel))
    funnel_rows += [_funnel_row(r.district_name or "", r) for r in bulletin.funnel_by_district]
    _sheet(
        book,
        SHEETS[5],
        [
            "范围",
            *(label for _, label in FUNNEL_STEPS),
            "终止",
            *(f"{label}率（%）" for _, label in FUNNEL_STEPS[1:]),
            "本年累计完成投资（万元）",
        ],
        funnel_rows,
    )
    _sheet(book, SHEETS[6], *table(bulletin.big_projects, BIG_PROJECT_COLUMNS_WITH_ID))
    _sheet(book, SHEETS[7], *table(bulletin.stalled, STALLED_COLUMNS))
    book.properties.title = f"{period.title_zh}重大项目调度简报"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
