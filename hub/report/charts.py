"""Static SVG charts for the bulletin: a horizontal bar chart, a column chart and a funnel.

Pure Python, no dependencies: each function returns one ``<svg>`` element as text, to be
embedded in the HTML page (no script, no CDN: the page opens offline). Geometry:

* a bar's (column's, funnel step's) length is ``value / max(values) * plot length``; every data
  row draws exactly one ``<rect class="bar">``, carrying ``data-label`` and ``data-value``, so a
  zero is a zero-length bar, not a missing one;
* values that are not finite (NaN, ±inf), negative or missing count as 0 for the geometry (the
  printed value is the given text); all zeros, or no rows, draw no NaN: an empty chart says
  暂无数据;
* every text is XML-escaped; coordinates are printed with at most one decimal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", '
    '"PingFang SC", sans-serif'
)
BAR_COLOUR = "#2f6fb0"
ACCENT_COLOUR = "#d9822b"
EMPTY_TEXT = "暂无数据"


@dataclass(frozen=True)
class Bar:
    """One data row: ``label``, its ``value`` (drawn), and the text printed beside it
    (default: the value, formatted)."""

    label: str
    value: int | float | Decimal | None
    text: str | None = None

    @property
    def magnitude(self) -> float:
        return magnitude(self.value)

    @property
    def shown(self) -> str:
        return self.text if self.text is not None else format_number(self.value)


def magnitude(value) -> float:
    """The length a value is drawn with: finite and ≥ 0, else 0."""
    if value is None:
        return 0.0
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) and number > 0 else 0.0


def format_number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,f}"
    if isinstance(value, float):
        return f"{value:,.1f}" if math.isfinite(value) else "—"
    return f"{value:,}"


def _n(x: float) -> str:
    """A coordinate: at most one decimal, never NaN."""
    if not math.isfinite(x):
        x = 0.0
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text_width(text: str, size: float) -> float:
    """A rough width: CJK characters are one em, others about 0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in text)


def _svg(width: float, height: float, title: str, body: list[str], kind: str) -> str:
    t = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
        f'aria-label="{t}" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" font-family=\'{FONT_STACK}\' font-size="13">'
        f"<title>{t}</title>" + "".join(body) + "</svg>"
    )


def _empty(width: float, title: str, kind: str) -> str:
    body = [
        f'<text x="{_n(width / 2)}" y="40" text-anchor="middle" fill="#888">{EMPTY_TEXT}</text>'
    ]
    return _svg(width, 70, title, body, kind)


def _bar_rect(x, y, w, h, bar: Bar, colour: str) -> str:
    return (
        f'<rect class="bar" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
        f'fill="{colour}" data-label="{escape(bar.label)}" data-value="{escape(bar.shown)}"/>'
    )


def bar_chart(bars: Sequence[Bar], *, title: str, width: float = 640, row: float = 26) -> str:
    """Horizontal bars, one row per item, in the order given; labels left, values right."""
    if not bars:
        return _empty(width, title, "bar")
    size = 13
    label_w = min(max(_text_width(b.label, size) for b in bars) + 12, width * 0.4)
    value_w = max(_text_width(b.shown, size) for b in bars) + 12
    plot = max(width - label_w - value_w, 10.0)
    top = max((b.magnitude for b in bars), default=0.0)
    body = []
    for i, bar in enumerate(bars):
        y = 8 + i * row
        length = plot * bar.magnitude / top if top > 0 else 0.0
        mid = y + row / 2 + size * 0.35
        body.append(
            f'<text x="{_n(label_w - 8)}" y="{_n(mid)}" text-anchor="end">'
            f"{escape(bar.label)}</text>"
        )
        body.append(_bar_rect(label_w, y + 4, length, row - 8, bar, BAR_COLOUR))
        body.append(
            f'<text class="value" x="{_n(label_w + length + 6)}" y="{_n(mid)}">'
            f"{escape(bar.shown)}</text>"
        )
    return _svg(width, 16 + len(bars) * row, title, body, "bar")


def column_chart(
    bars: Sequence[Bar], *, title: str, width: float = 640, height: float = 260
) -> str:
    """Vertical columns, one per item, labels below (rotated when crowded), values above."""
    if not bars:
        return _empty(width, title, "column")
    size = 12
    slot = (width - 20) / len(bars)
    crowded = any(_text_width(b.label, size) > slot - 4 for b in bars)
    label_h = min(max(_text_width(b.label, size) for b in bars), 120) + 10 if crowded else 22
    plot_top, plot_bottom = 22.0, height - label_h
    plot = max(plot_bottom - plot_top, 10.0)
    top = max((b.magnitude for b in bars), default=0.0)
    col_w = max(slot * 0.6, 2.0)
    body = [
        f'<line x1="10" y1="{_n(plot_bottom)}" x2="{_n(width - 10)}" y2="{_n(plot_bottom)}" '
        'stroke="#999" stroke-width="1"/>'
    ]
    for i, bar in enumerate(bars):
        cx = 10 + slot * (i + 0.5)
        length = plot * bar.magnitude / top if top > 0 else 0.0
        body.append(_bar_rect(cx - col_w / 2, plot_bottom - length, col_w, length, bar, BAR_COLOUR))
        body.append(
            f'<text class="value" x="{_n(cx)}" y="{_n(plot_bottom - length - 5)}" '
            f'text-anchor="middle" font-size="{size}">{escape(bar.shown)}</text>'
        )
        if crowded:
            body.append(
                f'<text x="{_n(cx)}" y="{_n(plot_bottom + 8)}" text-anchor="end" '
                f'font-size="{size}" transform="rotate(-45 {_n(cx)} {_n(plot_bottom + 8)})">'
                f"{escape(bar.label)}</text>"
            )
        else:
            body.append(
                f'<text x="{_n(cx)}" y="{_n(plot_bottom + 16)}" text-anchor="middle" '
                f'font-size="{size}">{escape(bar.label)}</text>'
            )
    return _svg(width, height, title, body, "column")


def funnel_chart(steps: Sequence[Bar], *, title: str, width: float = 640, row: float = 40) -> str:
    """A funnel: one centred bar per step, its width proportional to the step's value against
    the largest (the first step, normally), with the share of the first step printed beside."""
    if not steps:
        return _empty(width, title, "funnel")
    size = 13
    label_w = min(max(_text_width(s.label, size) for s in steps) + 16, width * 0.3)
    share_w = 150.0
    plot = max(width - label_w - share_w, 10.0)
    top = max((s.magnitude for s in steps), default=0.0)
    first = steps[0].magnitude
    body = []
    for i, step in enumerate(steps):
        y = 6 + i * row
        length = plot * step.magnitude / top if top > 0 else 0.0
        x = label_w + (plot - length) / 2
        mid = y + row / 2 + size * 0.35
        colour = BAR_COLOUR if i < len(steps) - 1 or len(steps) == 1 else ACCENT_COLOUR
        body.append(
            f'<text x="{_n(label_w - 8)}" y="{_n(mid)}" text-anchor="end">'
            f"{escape(step.label)}</text>"
        )
        body.append(_bar_rect(x, y + 4, length, row - 8, step, colour))
        share = f"{100 * step.magnitude / first:.1f}%" if first > 0 else "—"
        body.append(
            f'<text class="value" x="{_n(label_w + plot + 8)}" y="{_n(mid)}">'
            f"{escape(step.shown)}（{escape(share)}）</text>"
        )
    return _svg(width, 12 + len(steps) * row, title, body, "funnel")
