"""``hub report`` (html, the default): one self-contained page in Chinese.

No script, no external resource: styles inline, charts inline SVG (hub/report/charts.py); the
page opens offline. Every value from the warehouse is HTML-escaped.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from hub.report.charts import FONT_STACK, Bar, bar_chart, column_chart, format_number, funnel_chart
from hub.report.data import (
    BIG_PROJECT_COLUMNS,
    FUNNEL_STEPS,
    STALLED_COLUMNS,
    Bulletin,
    Slice,
    headline,
    table,
    top_with_rest,
)

_CSS = f"""
body {{ font-family: {FONT_STACK}; margin: 0; background: #f5f6f8; color: #222; }}
main {{ max-width: 1180px; margin: 0 auto; padding: 24px; }}
h1 {{ font-size: 26px; margin: 0 0 4px; }}
h2 {{ font-size: 19px; border-left: 4px solid #2f6fb0; padding-left: 8px; margin: 28px 0 12px; }}
.meta {{ color: #666; font-size: 13px; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px; }}
.card {{ background: #fff; border-radius: 6px; padding: 12px 14px; box-shadow: 0 1px 2px #0002; }}
.card .label {{ font-size: 13px; color: #555; }}
.card .value {{ font-size: 24px; font-weight: 600; margin-top: 4px; }}
.card .unit {{ font-size: 13px; font-weight: normal; margin-left: 2px; }}
.card .note {{ font-size: 12px; color: #777; margin-top: 2px; }}
.up {{ color: #c0392b; }} .down {{ color: #1e8449; }}
.charts {{ display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }}
figure {{ background: #fff; margin: 0; padding: 12px; border-radius: 6px;
  box-shadow: 0 1px 2px #0002; overflow-x: auto; }}
figure svg {{ max-width: 100%; height: auto; display: block; }}
figcaption {{ font-weight: 600; margin-bottom: 6px; }}
table {{ border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }}
th, td {{ border: 1px solid #ddd; padding: 5px 8px; text-align: left; }}
th {{ background: #eef2f7; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.empty {{ color: #888; }}
footer {{ color: #888; font-size: 12px; margin-top: 28px; }}
"""


# The charts' drawn widths (px): half the page for the breakdowns, the whole page for the funnel.
WIDTHS = {"bar": 540, "column": 540, "funnel": 1100}


def _e(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | Decimal | float):
        return escape(format_number(value))
    return escape(str(value))


def _yoy(value: int | None) -> str:
    if value is None:
        return '<div class="note">同比：—（上年同期为0）</div>'
    css = "up" if value > 0 else "down" if value < 0 else ""
    return f'<div class="note">同比：<span class="{css}">{value:+d}%</span></div>'


def _cards(bulletin: Bulletin) -> str:
    cards = []
    for figure in headline(bulletin):
        notes = ""
        if figure.share_pct is not None:
            notes += f'<div class="note">占比 {_e(figure.share_pct)}%</div>'
        if figure.has_yoy:
            notes += _yoy(figure.yoy_pct)
        cards.append(
            f'<div class="card" data-key="{figure.key}"><div class="label">{escape(figure.label)}'
            f'</div><div class="value">{_e(figure.value)}<span class="unit">{escape(figure.unit)}'
            f"</span></div>{notes}</div>"
        )
    return '<div class="cards">' + "".join(cards) + "</div>"


def _bars(slices: list[Slice]) -> list[Bar]:
    return [
        Bar(s.label, s.projects, f"{s.projects}个 / {format_number(s.investment_yi)}亿元")
        for s in slices
    ]


def _figure(chart_id: str, caption: str, svg: str) -> str:
    return f'<figure id="{chart_id}"><figcaption>{escape(caption)}</figcaption>{svg}</figure>'


def _table(table_id: str, headers: list[str], rows: list[list], numeric: set[int]) -> str:
    if not rows:
        return f'<p id="{table_id}" class="empty">无</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{_e(v)}</td>' if i in numeric else f"<td>{_e(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def charts_of(bulletin: Bulletin) -> dict[str, tuple[str, list[Bar], str]]:
    """The page's charts: id → (caption, bars, kind). The browser test counts the bars."""
    b = bulletin.breakdowns
    funnel = bulletin.funnel
    steps = [Bar(label, getattr(funnel, column) if funnel else 0) for column, label in FUNNEL_STEPS]
    return {
        "chart-origin": (
            "按来源省份（项目数 / 签约投资额）",
            _bars(top_with_rest(b["origin_province"])),
            "bar",
        ),
        "chart-key-region": ("重点区域来源（项目数 / 签约投资额）", _bars(b["key_region"]), "bar"),
        "chart-industry": ("按产业类别（项目数 / 签约投资额）", _bars(b["industry"]), "column"),
        "chart-district": ("按区县（项目数 / 签约投资额）", _bars(b["district"]), "bar"),
        "chart-funnel": ("本期签约项目生命周期漏斗（项目数，括号内为占签约比例）", steps, "funnel"),
    }


def render_html(bulletin: Bulletin) -> bytes:
    period = bulletin.period
    title = f"{period.title_zh}重大项目调度简报"
    drawers = {"bar": bar_chart, "column": column_chart, "funnel": funnel_chart}
    figures = [
        _figure(chart_id, caption, drawers[kind](bars, title=caption, width=WIDTHS[kind]))
        for chart_id, (caption, bars, kind) in charts_of(bulletin).items()
    ]
    funnel = bulletin.funnel
    funnel_note = ""
    if funnel is not None:
        funnel_note = (
            '<p class="meta">'
            f"已终止 {funnel.terminated_projects} 个；"
            f"统计局口径本年累计完成投资 {_e(funnel.completed_investment_ytd_wan)} 万元。</p>"
        )
    big = _table("table-big-projects", *table(bulletin.big_projects, BIG_PROJECT_COLUMNS), {4})
    stalled = _table("table-stalled", *table(bulletin.stalled, STALLED_COLUMNS), {3, 4})
    no_data = "" if bulletin.indicators else '<p class="empty">本期无签约亿元以上项目。</p>'
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p class="meta">统计期：{period.start:%Y年%m月%d日}至{period.end:%Y年%m月%d日}
（{escape(period.indicator_period)}）
· 口径：签约投资额1亿元以上项目（含签约后终止的）· 生成日期：{bulletin.drawn_on:%Y-%m-%d}</p>
<h2>一、主要指标</h2>
{no_data}{_cards(bulletin)}
<h2>二、结构分析</h2>
<div class="charts">
{"".join(figures[:4])}
</div>
<h2>三、生命周期评价</h2>
{figures[4]}
{funnel_note}
<h2>四、30亿元以上重大项目（截至期末签约）</h2>
{big}
<h2>五、签约超过6个月未落地项目（截至{period.end:%Y年%m月%d日}）</h2>
{stalled}
<footer>数据来源：投资项目数据中心 shared.signing_indicators、shared.projects、
shared.lifecycle_funnel、shared.big_projects、shared.stalled_projects_as_of（同一快照读取）。</footer>
</main>
</body>
</html>
"""
    return page.encode("utf-8")
