"""A project's lifecycle stage from the departments' milestone evidence.

The rules are the warehouse contract's (``contracts/warehouse.md``, "Lifecycle"): the stage
is the furthest milestone any department's evidence shows; ``terminated`` (commerce
``已终止``) wins only when nobody shows ``landed`` or later — otherwise the evidence wins and
the contradiction is reported. Which records count as evidence is decided in
``sql/core/refresh_milestones.sql``; this module only orders and dates them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

MILESTONES = (
    "negotiating",
    "signed",
    "landed",
    "under_construction",
    "in_statistics",
    "in_production",
)
TERMINATED = "terminated"
STAGES = (*MILESTONES, TERMINATED)
STAGE_ZH = {
    "negotiating": "在谈",
    "signed": "已签约",
    "landed": "已落地",
    "under_construction": "在建",
    "in_statistics": "已纳统",
    "in_production": "已投产",
    "terminated": "已终止",
}
# Commerce's own stage names, as the milestone each one claims.
COMMERCE_STAGE_MILESTONE = {
    "在谈": "negotiating",
    "已签约": "signed",
    "已落地": "landed",
    "已开工": "under_construction",
}
_ORDER = {name: index for index, name in enumerate(MILESTONES)}


@dataclass(frozen=True, slots=True)
class Evidence:
    milestone: str  # one of STAGES
    occurred_on: dt.date | None
    source_system: str


@dataclass(frozen=True, slots=True)
class Lifecycle:
    stage: str
    milestone_dates: dict[str, dt.date | None]  # earliest dated evidence per milestone shown
    terminated_on: dt.date | None
    terminated_overruled: bool  # 已终止 reported, but later evidence wins

    @property
    def stage_zh(self) -> str:
        return STAGE_ZH[self.stage]


def milestone_order(milestone: str) -> int:
    """Position in the forward lifecycle (terminated has none: it is beside it)."""
    return _ORDER[milestone]


def derive_lifecycle(evidence: Iterable[Evidence]) -> Lifecycle | None:
    """The stage and milestone dates shown by ``evidence``; None when there is none."""
    dates: dict[str, dt.date | None] = {}
    shown: set[str] = set()
    terminated_dates: list[dt.date] = []
    is_terminated = False
    for item in evidence:
        if item.milestone == TERMINATED:
            is_terminated = True
            if item.occurred_on:
                terminated_dates.append(item.occurred_on)
            continue
        if item.milestone not in _ORDER:
            raise ValueError(f"unknown milestone {item.milestone!r}")
        shown.add(item.milestone)
        if item.occurred_on and (
            dates.get(item.milestone) is None or item.occurred_on < dates[item.milestone]
        ):
            dates[item.milestone] = item.occurred_on
        dates.setdefault(item.milestone, None)

    if not shown and not is_terminated:
        return None
    furthest = max(shown, key=_ORDER.__getitem__) if shown else None
    reached_landing = furthest is not None and _ORDER[furthest] >= _ORDER["landed"]
    if is_terminated and not reached_landing:
        stage = TERMINATED
    else:
        assert furthest is not None
        stage = furthest
    return Lifecycle(
        stage=stage,
        milestone_dates=dict(sorted(dates.items(), key=lambda kv: _ORDER[kv[0]])),
        terminated_on=min(terminated_dates) if terminated_dates else None,
        terminated_overruled=is_terminated and reached_landing,
    )
