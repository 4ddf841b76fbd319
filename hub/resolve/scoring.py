"""How alike two entities are: a Fellegi–Sunter style sum of log2 Bayes factors.

Each comparison puts the pair in one level, and each level carries a weight: how many times
more often (log2) that level is seen between records of one project than between records of
two projects. The weights below were set from the labelled sandbox at the realistic
name-variation level (``make bench BENCH_ARGS=resolution``) and are kept here, in one table,
so a reviewer can read the whole model at once. The sum plus the prior is the match weight;
``probability`` turns it into 0–1.

Some levels are vetoes, not weights (``VETO``): different phase markers (一期 vs 二期),
different districts. A vetoed pair is never linked and never put to a steward.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

from hub.resolve.entities import Entity
from hub.resolve.names import NameKey, key_similarity

PRIOR = -3.0  # log2 odds that two entities sharing a block are one project
VETO = float("-inf")

# (lowest similarity, weight), checked top down.
PROJECT_NAME_LEVELS = ((0.95, 6.0), (0.85, 4.0), (0.72, 1.5), (0.55, -3.0), (0.0, -9.0))
COMPANY_NAME_LEVELS = ((0.95, 3.0), (0.85, 2.0), (0.72, 0.5), (0.0, -5.0))
SAME_COMPANY_USCC = 9.0
OTHER_COMPANY_USCC = -1.0  # a roster unit may be a sibling company of the project's own
INVESTOR_OWNS_COMPANY = 4.0  # commerce shows this investor behind the other's company
INVESTOR_BRAND_IN_COMPANY = 1.5
SAME_DISTRICT = 1.5
AMOUNT_LEVELS = ((0.9, 1.5), (0.7, 0.5), (0.5, -1.0), (0.0, -3.0))
DATE_ORDER_OK = 0.5
DATE_ORDER_BROKEN = -4.0
DATE_SLACK = timedelta(days=31)  # departments date the same day differently
SECOND_COMMERCE_RECORD = -6.0  # a project has one live commerce record
SECOND_ROSTER_ENTRY = -6.0  # and one stats roster entry


@dataclass(slots=True)
class PairScore:
    weight: float
    agreed: dict[str, float] = field(default_factory=dict)
    disagreed: dict[str, float] = field(default_factory=dict)
    similarity: dict[str, float] = field(default_factory=dict)
    veto: str | None = None

    @property
    def probability(self) -> float:
        if self.veto:
            return 0.0
        return 1.0 / (1.0 + 2.0 ** (-self.weight)) if self.weight > -60 else 0.0

    def add(self, feature: str, weight: float) -> None:
        self.weight += weight
        (self.agreed if weight >= 0 else self.disagreed)[feature] = weight

    def evidence(self) -> dict:
        """What a steward reads: which fields agreed, which did not, and the scores."""
        return {
            "agreed": sorted(self.agreed),
            "disagreed": sorted(self.disagreed),
            "weights": {k: round(v, 2) for k, v in {**self.agreed, **self.disagreed}.items()},
            "similarity": {k: round(v, 3) for k, v in self.similarity.items()},
            "match_weight": round(self.weight, 2),
            "probability": round(self.probability, 4),
        }


def _level(similarity: float, levels: tuple[tuple[float, float], ...]) -> float:
    for lowest, weight in levels:
        if similarity >= lowest:
            return weight
    return levels[-1][1]


def _best(left: tuple[NameKey, ...], right: tuple[NameKey, ...]) -> float | None:
    if not left or not right:
        return None
    return max(key_similarity(a, b) for a in left for b in right)


def score_pair(a: Entity, b: Entity, investors_of: dict[str, frozenset[str]]) -> PairScore:
    """The match weight of two entities, with what agreed and what did not."""
    result = PairScore(PRIOR)
    if a.code and b.code and a.code != b.code:
        result.veto = "project_code"
        return result
    if a.phases and b.phases and not (a.phases & b.phases):
        result.veto = "phase"
        return result
    if a.districts and b.districts and not (a.districts & b.districts):
        result.veto = "district"
        return result
    if a.districts and b.districts:
        result.add("district", SAME_DISTRICT)

    if a.companies and b.companies:
        if a.companies & b.companies:
            result.add("company_uscc", SAME_COMPANY_USCC)
        else:
            result.add("company_uscc", OTHER_COMPANY_USCC)
    if _investor_owns(a, b, investors_of) or _investor_owns(b, a, investors_of):
        result.add("investor_behind_company", INVESTOR_OWNS_COMPANY)
    elif _brand_shared(a, b) or _brand_shared(b, a):
        result.add("investor_brand", INVESTOR_BRAND_IN_COMPANY)

    project = _best(a.project_names, b.project_names)
    if project is not None:
        result.similarity["project_name"] = project
        result.add("project_name", _level(project, PROJECT_NAME_LEVELS))
    company = _best(a.company_names, b.company_names)
    if company is not None:
        result.similarity["company_name"] = company
        result.add("company_name", _level(company, COMPANY_NAME_LEVELS))

    ratio = _amount_ratio(a, b)
    if ratio is not None:
        result.similarity["amount_ratio"] = ratio
        result.add("amount", _level(ratio, AMOUNT_LEVELS))
    order = _date_order(a, b)
    if order is not None:
        result.add("date_order", DATE_ORDER_OK if order else DATE_ORDER_BROKEN)
    if a.live_commerce and b.live_commerce:
        result.add("one_commerce_record", SECOND_COMMERCE_RECORD)
    if a.stats_records and b.stats_records:
        result.add("one_roster_entry", SECOND_ROSTER_ENTRY)
    return result


def _investor_owns(a: Entity, b: Entity, investors_of: dict[str, frozenset[str]]) -> bool:
    return bool(a.investors) and any(
        a.investors & investors_of.get(c, frozenset()) for c in b.companies
    )


def _brand_shared(a: Entity, b: Entity) -> bool:
    brands = {k.block_key for k in a.investor_names if k.block_key}
    return bool(brands) and any(k.block_key in brands for k in b.company_names)


def _amount_ratio(a: Entity, b: Entity) -> float | None:
    """The closest ratio (smaller/larger) between two departments' figures, one from each side."""
    best = None
    for system_a, left in a.amounts.items():
        for system_b, right in b.amounts.items():
            if system_a == system_b:
                continue
            ratio = min(left, right) / max(left, right)
            best = ratio if best is None else max(best, ratio)
    return best


def _date_order(a: Entity, b: Entity) -> bool | None:
    """Commerce signs before any other department acts. None when one side has no date."""
    checks = []
    for commerce, other in ((a, b), (b, a)):
        if commerce.commerce_signed and other.others_first:
            checks.append(commerce.commerce_signed <= other.others_first + DATE_SLACK)
    return all(checks) if checks else None


def weight_of(probability: float) -> float:
    """The match weight at which ``PairScore.probability`` equals ``probability``."""
    return math.log2(probability / (1.0 - probability))
