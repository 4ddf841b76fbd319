"""What the scenario publishes and what is true: the stages, reasons and calendar shared by
every department's share, the served shapes (``LandFile``, ``StatsPeriod``, ``Scenario``) and
the answer key (``TrueProject``, ``GroundTruth``; conventions in the package docstring)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone
from pathlib import Path
from typing import Any

SCENARIO_TODAY = date(2025, 6, 30)
LOCAL_TZ = timezone(timedelta(hours=8))
SOURCE_SYSTEMS = ("commerce", "approval", "land", "stats")
STAGES = (
    "negotiating",
    "signed",
    "landed",
    "under_construction",
    "in_statistics",
    "in_production",
    "terminated",
)
_STAGE_MIX = {
    "negotiating": 0.15,
    "signed": 0.15,
    "landed": 0.15,
    "under_construction": 0.20,
    "in_statistics": 0.20,
    "in_production": 0.08,
    "terminated": 0.07,
}
_LANDED_OR_LATER = ("landed", "under_construction", "in_statistics", "in_production")
_IN_STATS = ("in_statistics", "in_production")
# Why a record is rejected; the fixed vocabulary shared with the hub's validation.
REASON_CODES = (
    "invalid_uscc",
    "invalid_project_code",
    "unknown_district",
    "invalid_date",
    "negative_amount",
    "invalid_amount",
)
# Why a valid, linked record is nevertheless no evidence of a milestone.
NON_EVIDENCE_REASONS = (
    "soft_deleted",  # commerce is_deleted
    "withdrawn",  # land parcel whose latest row is 作废
    "refused",  # approval 不予
    "revoked",  # approval 准予 cancelled by a later 撤销
    "revocation",  # the 撤销 event itself
    "superseded",  # approval 准予 replaced by a later 准予 (corrected content)
    "superseded_revision",  # stats project present only in a revision replaced before it was read
)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


FIRST_STATS_PERIOD = _month_index(date(2023, 1, 1))
LAST_STATS_PERIOD = _month_index(date(2025, 6, 1))
# Periods the bureau revised; the older revision is kept in the scenario, flagged not current.
_CURRENT_REVISION = {"2024-12": 2, "2025-05": 2, "2025-06": 2}
# Still open (revisable): the last two months.
_FIRST_OPEN_PERIOD = LAST_STATS_PERIOD - 1


# ----------------------------------------------------------------------------- public types


@dataclass
class LandFile:
    """One daily drop file: rows keyed by the Chinese column names, every value a string."""

    name: str
    rows: list[dict[str, str]]
    marked_done: bool = True


@dataclass
class StatsPeriod:
    """One revision of one month's roster. ``current`` is False for a revision the bureau
    replaced; the servers publish only current ones, older ones are kept for tests that
    replay a revision change."""

    period: str
    revision: int
    closed: bool
    rows: list[dict[str, Any]]
    current: bool = True


@dataclass(frozen=True)
class TrueProject:
    """What the model decided for one project (see the module docstring for date rules).

    ``sources`` are the departments whose served, valid data holds a record of it (evidence
    or not); ``traits`` name the special cases it was given, for reading test failures.
    """

    true_project_id: str
    stage: str
    commerce_stage: str | None
    negotiation_started_on: date | None
    signed_on: date | None
    landed_on: date | None
    construction_started_on: date | None
    stats_included_month: str | None
    production_on: date | None
    terminated_on: date | None
    signed_investment_wan: int | None
    planned_investment_wan: int | None
    district_code: str
    project_code: str | None
    company_name: str
    company_uscc: str
    sources: tuple[str, ...]
    traits: tuple[str, ...]


@dataclass
class GroundTruth:
    """The answer key. Keys of the record maps are (source_system, source_key) with the
    contract's keys: commerce ``project_no``, approval ``event_id``, land ``宗地编号``, stats
    ``stat_project_id``. ``record_owner`` maps every record of the scenario, bad ones to None;
    ``non_evidence`` names the valid records that must never count as evidence, and why.

    At ``name_variation="realistic"``: ``hard_negative_pairs`` are the pairs of true projects
    (ids in order) that look alike — one family of a ``hard_negative_*`` trait — and must
    never be linked; ``name_variations`` says, for each valid record whose names a clerk
    varied, how (``"<field>:<kind>"`` and ``"traditional"``, see hub/sandbox/variation.py).
    Both are empty at ``"none"``."""

    size: int
    seed: int
    projects: dict[str, TrueProject]
    record_owner: dict[tuple[str, str], str | None]
    bad_records: dict[tuple[str, str], list[str]]
    non_evidence: dict[tuple[str, str], str]
    hard_negative_pairs: list[tuple[str, str]] = field(default_factory=list)
    name_variations: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def stage_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STAGES, 0)
        for project in self.projects.values():
            counts[project.stage] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, tuple):
                return list(value)
            return value

        return {
            "size": self.size,
            "seed": self.seed,
            "today": SCENARIO_TODAY.isoformat(),
            "stage_counts": self.stage_counts(),
            "projects": {
                pid: {name: plain(value) for name, value in vars(project).items()}
                for pid, project in self.projects.items()
            },
            "record_owner": [
                {"source_system": system, "source_key": key, "true_project_id": owner}
                for (system, key), owner in self.record_owner.items()
            ],
            "bad_records": [
                {"source_system": system, "source_key": key, "reasons": reasons}
                for (system, key), reasons in self.bad_records.items()
            ],
            "non_evidence": [
                {"source_system": system, "source_key": key, "reason": reason}
                for (system, key), reason in self.non_evidence.items()
            ],
            "hard_negative_pairs": [list(pair) for pair in self.hard_negative_pairs],
            "name_variations": [
                {"source_system": system, "source_key": key, "kinds": list(kinds)}
                for (system, key), kinds in self.name_variations.items()
            ],
        }

    def write(self, path: Path | str, *, extra: dict[str, Any] | None = None) -> None:
        """``to_json()`` as a file, with ``extra`` top-level entries (what the servers add to
        the scenario, e.g. their hostile records)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            json.dumps({**self.to_json(), **(extra or {})}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )


@dataclass
class Scenario:
    """Everything the sandbox departments serve, and the truth behind it.

    ``commerce_records``: latest version of each record, in the feed's order (updated_at,
    project_no). ``approval_events``: the stream in order (decided_at, event_id).
    ``land_files``: in name (= date) order. ``stats_periods``: one entry per (period,
    revision), ordered by period then revision.
    """

    commerce_records: list[dict[str, Any]]
    approval_events: list[dict[str, Any]]
    land_files: list[LandFile]
    stats_periods: list[StatsPeriod]
    truth: GroundTruth
