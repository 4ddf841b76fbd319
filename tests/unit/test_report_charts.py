"""hub/report/charts.py: the bulletin's static SVG charts — geometry, escaping, empty data."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from hub.report.charts import EMPTY_TEXT, Bar, bar_chart, column_chart, funnel_chart, magnitude

SVG = "{http://www.w3.org/2000/svg}"
CHARTS = [bar_chart, column_chart, funnel_chart]


def _bars(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)  # well-formed XML: every text escaped
    return [el for el in root.iter(f"{SVG}rect") if el.get("class") == "bar"]


def _numbers(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r'\s(?:x|y|width|height|x1|x2|y1|y2)="([^"]*)"', svg)]


def test_bar_lengths_are_proportional_to_values():
    svg = bar_chart([Bar("甲", 10), Bar("乙", 5), Bar("丙", 2.5), Bar("丁", 0)], title="t")
    widths = [float(rect.get("width")) for rect in _bars(svg)]
    assert len(widths) == 4
    assert widths[0] > 0
    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.1)
    assert widths[2] == pytest.approx(widths[0] / 4, abs=0.1)
    assert widths[3] == 0  # a zero is a zero-length bar, still drawn as a row


def test_columns_are_proportional_and_stand_on_one_baseline():
    svg = column_chart([Bar("a", Decimal("30.0")), Bar("b", Decimal("10.0"))], title="t")
    rects = _bars(svg)
    heights = [float(r.get("height")) for r in rects]
    assert heights[1] == pytest.approx(heights[0] / 3, abs=0.1)
    bottoms = {round(float(r.get("y")) + float(r.get("height")), 1) for r in rects}
    assert len(bottoms) == 1


def test_funnel_steps_are_centred_and_proportional():
    svg = funnel_chart([Bar("签约", 20), Bar("落地", 10), Bar("投产", 5)], title="漏斗")
    rects = _bars(svg)
    widths = [float(r.get("width")) for r in rects]
    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.1)
    assert widths[2] == pytest.approx(widths[0] / 4, abs=0.1)
    centres = {round(float(r.get("x")) + float(r.get("width")) / 2) for r in rects}
    assert len(centres) == 1
    assert "50.0%" in svg and "25.0%" in svg  # share of the first step


@pytest.mark.parametrize("chart", CHARTS)
def test_labels_are_escaped(chart):
    hostile = '<script>alert("x")</script> & 区'
    svg = chart([Bar(hostile, 1, text="<b>1</b>")], title="<t&>")
    assert "<script>" not in svg and "<b>" not in svg
    root = ET.fromstring(svg)
    texts = "".join(root.itertext())
    assert hostile in texts and "<b>1</b>" in texts
    assert _bars(svg)[0].get("data-label") == hostile


@pytest.mark.parametrize("chart", CHARTS)
def test_empty_data_says_so_without_nan(chart):
    svg = chart([], title="空")
    assert EMPTY_TEXT in svg and not _bars(svg)
    assert "nan" not in svg.lower()
    ET.fromstring(svg)


@pytest.mark.parametrize("chart", CHARTS)
def test_all_zero_or_bad_values_draw_no_nan(chart):
    bars = [Bar("零", 0), Bar("空", None), Bar("非数", float("nan")), Bar("负", -3)]
    bars += [Bar("无穷", float("inf")), Bar("零点", Decimal("0.0"))]
    svg = chart(bars, title="z")
    assert "nan" not in svg.lower() and "inf" not in svg.lower()
    assert len(_bars(svg)) == len(bars)
    assert all(math.isfinite(n) for n in _numbers(svg))
    assert all(float(r.get("width")) == 0 or float(r.get("height")) == 0 for r in _bars(svg))


@pytest.mark.parametrize("chart", CHARTS)
def test_one_bar_per_row_and_values_printed(chart):
    bars = [Bar(f"区{i}", i + 1) for i in range(12)]
    svg = chart(bars, title="多")
    assert [r.get("data-label") for r in _bars(svg)] == [b.label for b in bars]
    assert [r.get("data-value") for r in _bars(svg)] == [str(i + 1) for i in range(12)]
    root = ET.fromstring(svg)
    assert root.get("viewBox") and root.get("font-family").count("Noto Sans CJK SC") == 1


def test_bars_stay_inside_the_chart():
    svg = bar_chart([Bar("很长很长很长很长的标签名称" * 3, 100), Bar("b", 1)], title="t", width=400)
    for rect in _bars(svg):
        assert float(rect.get("x")) >= 0 and float(rect.get("x")) + float(rect.get("width")) <= 400


def test_magnitude():
    assert magnitude(Decimal("2.5")) == 2.5
    assert magnitude(None) == magnitude("x") == magnitude(float("nan")) == magnitude(-1) == 0
