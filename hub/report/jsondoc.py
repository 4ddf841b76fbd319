"""``hub report --format json``: the bulletin's content as structured JSON.

Exact decimals are written as JSON numbers with the warehouse's digits (``86.7``, never a
binary-float rendering such as ``86.70000000000001``), counts as integers, dates ISO
``YYYY-MM-DD``, text as UTF-8 (no ``\\u`` escapes).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from hub.report.data import FUNNEL_STEPS, Bulletin, FunnelRow, headline

_MARK = "\x00dec:"
_MARKED = re.compile(r'"\\u0000dec:(-?[0-9]+(?:\.[0-9]+)?)"')


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return f"{_MARK}{value:f}"
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps_exact(document: Any) -> str:
    """JSON text in which every Decimal is a number with exactly its digits."""
    text = json.dumps(document, ensure_ascii=False, indent=2, default=_default)
    return _MARKED.sub(r"\1", text) + "\n"


def _funnel(row: FunnelRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    out = asdict(row)
    out.pop("is_city")
    for column, _ in FUNNEL_STEPS[1:]:
        out[column.replace("_projects", "_rate_pct")] = row.rate_pct(column)
    out["terminated_rate_pct"] = row.rate_pct("terminated_projects")
    return out


def document(bulletin: Bulletin) -> dict[str, Any]:
    period = bulletin.period
    return {
        "period": period.text,
        "period_type": period.kind,
        "title": f"{period.title_zh}重大项目调度简报",
        "period_start": period.start,
        "period_end": period.end,
        "indicator_period": period.indicator_period,
        "cohorts": period.cohorts,
        "drawn_on": bulletin.drawn_on,
        "indicators": bulletin.indicators,
        "headline": [asdict(f) for f in headline(bulletin)],
        "by_origin_province": [asdict(s) for s in bulletin.breakdowns["origin_province"]],
        "by_key_region": [asdict(s) for s in bulletin.breakdowns["key_region"]],
        "by_industry": [asdict(s) for s in bulletin.breakdowns["industry"]],
        "by_district": [asdict(s) for s in bulletin.breakdowns["district"]],
        "funnel": _funnel(bulletin.funnel),
        "funnel_by_district": [_funnel(r) for r in bulletin.funnel_by_district],
        "big_projects": bulletin.big_projects,
        "stalled_projects": bulletin.stalled,
    }


def render_json(bulletin: Bulletin) -> bytes:
    return dumps_exact(document(bulletin)).encode("utf-8")
