"""Pairwise linkage quality against a labelled truth (the sandbox's ``record_owner``).

Pairwise over source records, as the issue that introduced probabilistic matching measured it:
every pair of records the truth puts in one project is a positive. A predicted pair is a true
positive when the truth agrees. Records the truth marks unusable (owner None) are left out;
a labelled record the hub did not link counts as alone. Counting is by cluster sizes, so it
costs O(records), not O(pairs).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from itertools import combinations

RecordKey = tuple[str, str]  # (source_system, source_key)
DEPARTMENTS = ("commerce", "approval", "land", "stats")


@dataclass(frozen=True)
class PairCounts:
    true_positive: int
    false_positive: int
    false_negative: int

    @property
    def precision(self) -> float:
        predicted = self.true_positive + self.false_positive
        return self.true_positive / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positive + self.false_negative
        return self.true_positive / actual if actual else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 5),
            "recall": round(self.recall, 5),
            "f1": round(self.f1, 5),
            "true_positive": self.true_positive,
            "false_positive": self.false_positive,
            "false_negative": self.false_negative,
        }


def _pairs_within(counter: Counter) -> int:
    return sum(n * (n - 1) // 2 for n in counter.values())


def pairwise_quality(
    predicted: Mapping[RecordKey, Hashable], truth: Mapping[RecordKey, str | None]
) -> dict[str, PairCounts]:
    """Precision/recall of ``predicted`` (record → cluster id) against ``truth`` (record →
    true project id, None for an unusable record): overall ("all") and for each pair of
    departments ("approval–commerce", … in contract order; a department with itself too)."""
    labelled = {key: owner for key, owner in truth.items() if owner is not None}
    results: dict[str, PairCounts] = {}
    scopes: list[tuple[str, tuple[str, ...] | None]] = [("all", None)]
    for left, right in combinations(DEPARTMENTS, 2):
        scopes.append((f"{left}–{right}", (left, right)))
    for department in DEPARTMENTS:
        scopes.append((f"{department}–{department}", (department,)))
    for name, departments in scopes:
        results[name] = _quality(predicted, labelled, departments)
    return results


def _quality(
    predicted: Mapping[RecordKey, Hashable],
    labelled: Mapping[RecordKey, str],
    departments: tuple[str, ...] | None,
) -> PairCounts:
    # Pairs between two departments = pairs in the union − pairs within each alone.
    def count(systems: tuple[str, ...] | None) -> tuple[int, int, int]:
        keys = [k for k in labelled if systems is None or k[0] in systems]
        true_sizes = Counter(labelled[k] for k in keys)
        predicted_sizes = Counter(predicted.get(k, ("alone", k)) for k in keys)
        both_sizes = Counter((labelled[k], predicted.get(k, ("alone", k))) for k in keys)
        return _pairs_within(true_sizes), _pairs_within(predicted_sizes), _pairs_within(both_sizes)

    if departments is not None and len(departments) == 2:
        union = count(departments)
        first, second = count(departments[:1]), count(departments[1:])
        actual, found, agreed = (u - a - b for u, a, b in zip(union, first, second, strict=True))
    else:
        actual, found, agreed = count(departments)
    return PairCounts(agreed, found - agreed, actual - agreed)
