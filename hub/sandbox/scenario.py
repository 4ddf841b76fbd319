"""A generated city with a known answer: what the four departments publish, and the truth.

Why a generative model: the hub's job is to recover each project's lifecycle from four
departments' partial, late and messy records. Computing the expected answer by applying the
lifecycle rules to those same records would only test the rules against themselves. So each
true project's lifecycle is decided first — stage, dates, company, investor, district,
industry, money — and only then does each department emit the records that are evidence of
exactly that lifecycle. Around them the departments emit records that are valid input but
not evidence (soft-deleted commerce records, withdrawn parcels, refused / revoked /
superseded approval events, superseded stats revisions), chosen so that a hub counting them
would get a stage or a date wrong; and broken copies that must be rejected whole.

Conventions of the ground truth (``TrueProject``):

- A date is what the evidence shows: the earliest evidence date of that milestone; None when
  the only evidence carries no date (commerce stage ``已开工`` alone gives no start date) or
  when the project never reached the milestone. ``signed_on`` and ``negotiation_started_on``
  are commerce's own fields (None when commerce left them blank or does not know the project).
- A filing that was corrected (a ``准予`` superseding an earlier ``准予``) counts from the
  correction: the superseded original is not evidence, whatever its date.
- ``terminated_on`` is the day commerce marked the record ``已终止`` (its ``updated_at``).

Everything is deterministic for (size, seed): one ``random.Random(seed)`` drives the model,
no set is ever iterated, and "today" is fixed at 2025-06-30 (+08:00).

``name_variation="realistic"`` (``"none"`` by default, which changes nothing) makes the
departments write names and keys as real ones do (see ``generate_scenario``;
hub/sandbox/variation.py for the name styles) and plans hard-negative families: projects
that look alike but must never be linked (``GroundTruth.hard_negative_pairs``).
"""

from __future__ import annotations

import copy
import csv
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import hub
from hub.sandbox.variation import NAME_VARIATIONS, NameWriter, RecordNames, Title

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


# ----------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class District:
    code: str
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class IndustryChain:
    name: str
    category: str
    is_manufacturing: bool


@dataclass(frozen=True)
class Reference:
    """The slice of ``reference/*.csv`` the generator draws from (another city swaps them)."""

    districts: tuple[District, ...]
    chains: tuple[IndustryChain, ...]


def default_reference_dir() -> Path:
    return Path(hub.__file__).resolve().parents[1] / "reference"


def load_reference(reference_dir: Path | None = None) -> Reference:
    directory = Path(reference_dir) if reference_dir else default_reference_dir()
    with (directory / "districts.csv").open(encoding="utf-8", newline="") as handle:
        districts = tuple(
            District(
                row["district_code"],
                row["district_name"],
                tuple(alias for alias in (row.get("aliases") or "").split("|") if alias),
            )
            for row in csv.DictReader(handle)
        )
    with (directory / "industry_chains.csv").open(encoding="utf-8", newline="") as handle:
        chains = tuple(
            IndustryChain(
                row["industry_chain"],
                row["industry_category"],
                row["is_manufacturing"].strip().lower() == "true",
            )
            for row in csv.DictReader(handle)
        )
    if not districts or not chains:
        raise ValueError(f"reference data in {directory} has no districts or no industry chains")
    return Reference(districts, chains)


# ----------------------------------------------------------------------------- identifiers

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first_17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters of a USCC."""
    total = sum(
        USCC_ALPHABET.index(char) * weight
        for char, weight in zip(first_17, _USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


# GB/T 4754-2017 class used for a chain's stats rows (and, by its 2 digits, its project code).
# Chains missing here (another city's list) fall back on the manufacturing flag.
_INDUSTRY_CODES = {
    "智能家电": "C3851",
    "轨道交通装备": "C3711",
    "新能源汽车": "C3612",
    "船舶海工装备": "C3731",
    "高端化工": "C2614",
    "食品饮料": "C1512",
    "纺织服装": "C1810",
    "集成电路": "C3973",
    "新型显示": "C3974",
    "虚拟现实": "C3969",
    "人工智能": "I6513",
    "生物医药及医疗器械": "C2720",
    "智能制造装备": "C3421",
    "新材料": "C3985",
    "氢能与储能": "C3841",
    "航空航天": "C3741",
    "节能环保": "C3591",
    "现代金融": "J6930",
    "现代物流": "G5920",
    "现代商贸": "F5211",
    "文化旅游": "R9020",
    "软件和信息服务": "I6513",
    "医养健康": "Q8411",
    "会展经济": "L7284",
}

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


def generate_scenario(
    size: int,
    seed: int,
    *,
    bad_rate: float = 0.03,
    hard_match_rate: float = 0.0,
    reference_dir: Path | None = None,
    name_variation: str = "none",
) -> Scenario:
    """Generate ``size`` true projects and the four departments' records of them.

    ``bad_rate``: per department, about this fraction of its record count is added as broken
    copies. ``hard_match_rate``: this fraction of commerce, land and stats records loses the
    exact keys (project code, company USCC) that link it — the truth does not change.

    ``name_variation``: ``"none"`` (names as the model decided them, give or take brackets
    and spaces; byte for byte the scenario of before the knob) or ``"realistic"``:

    - names: each department's clerk writes each record's names independently
      (hub/sandbox/variation.py: abbreviations, reordering, qualifiers, the brand dropped
      from a project's name, phase spellings, rare typos, traditional characters, English
      names of foreign investors), on top of the brackets and spaces of ``"none"``.
    - keys, as departments really send them: commerce shows the project company's USCC on
      ~30% of its records (it knows the investor group's USCC, ``investor_uscc``, as at
      ``"none"``) and the national project code on ~13% (only for a project another
      department knows); a third of land parcels carry no project code, and half of those
      no USCC either (so ~1/6 carry neither); stats rows lack the code for ~10% of its
      projects, as at ``"none"``; approval events always carry code and applicant USCC.
    - hard negatives: ~4% of the ``size`` projects are planned in families that look alike
      but are distinct projects, with normal lifecycles (traits ``hard_negative_phase``,
      ``hard_negative_two_districts``, ``hard_negative_shared_company``, and
      ``hard_negative_family:<id>``; the pairs in ``GroundTruth.hard_negative_pairs``).
      A phased project's parcels carry its own phase, not a parcel phase.
    """
    if size < 0:
        raise ValueError("size must be >= 0")
    for name, rate in (("bad_rate", bad_rate), ("hard_match_rate", hard_match_rate)):
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"{name} must be within [0, 1]")
    if name_variation not in NAME_VARIATIONS:
        raise ValueError(f"name_variation must be one of {NAME_VARIATIONS}, not {name_variation!r}")
    return _ScenarioBuilder(
        size,
        seed,
        bad_rate,
        hard_match_rate,
        load_reference(reference_dir),
        realistic=name_variation == "realistic",
    ).build()


# ----------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class _Investor:
    brand: str
    name: str
    uscc: str | None
    origin_country: str
    origin_province: str | None
    origin_city: str | None
    capital_type: str


@dataclass
class _Plan:
    """One true project as the model decided it, before any department writes about it."""

    pid: str
    stage: str
    district: District
    chain: IndustryChain | None
    industry_category: str
    is_manufacturing: bool
    industry_code: str
    investor: _Investor
    brand: str
    company_name: str
    company_uscc: str
    title: str
    investment_wan: int  # commerce's figure (the signed investment)
    filed_investment_wan: int  # as the approval bureau has it
    stats_planned_wan: int
    traits: set[str] = field(default_factory=set)
    negotiation_on: date | None = None
    signed_on: date | None = None
    landed_on: date | None = None
    filing_on: date | None = None
    construction_on: date | None = None
    permit_on: date | None = None
    start_month: int | None = None
    included_month: int | None = None
    build_months: int = 24
    production_on: date | None = None
    terminated_on: date | None = None
    suspended_from: int | None = None
    has_parcels: bool = False
    contract_first: bool = False
    project_code: str | None = None
    commerce_stage: str | None = None
    commerce_signed_on_filled: bool = False
    commerce_negotiation_filled: bool = False
    commerce_shows_company: bool = False
    project_word: str = ""  # the title's last word (产业园, 生产基地, ...)
    phase: int | None = None  # a phased project's phase (its title ends in 一期, 二期, ...)

    @property
    def commerce_known(self) -> bool:
        return "commerce_unknown" not in self.traits


@dataclass
class _PendingEvent:
    """An approval event before the stream is ordered and its ids are assigned."""

    decided: datetime  # its place in the stream (a broken decided_at keeps the original's)
    fields: dict[str, Any]
    owner: str | None
    document_kind: str
    supersedes: _PendingEvent | None = None
    non_evidence: str | None = None
    bad_reasons: list[str] | None = None
    name_kinds: tuple[str, ...] = ()  # how the clerk varied its names (realistic)


_BRAND_CHARS = (
    "海瑞华恒信达通泰鑫盛源博远康宏宇嘉诚峰晟润安德昌隆丰正启明天合新力中科创联云澜锦汇星辰凯捷"
)
_COMPANY_LABELS = (
    "科技",
    "实业",
    "智造",
    "新材料",
    "生物科技",
    "电子",
    "能源",
    "发展",
    "装备",
    "产业",
)
_PROJECT_WORDS = ("产业园", "生产基地", "研发中心", "总部基地", "智造园", "产业基地")
# (province, city, registration region) of domestic investors, with weights.
_DOMESTIC_ORIGINS = (
    (("北京市", "北京市", "110105"), 8),
    (("上海市", "上海市", "310115"), 7),
    (("天津市", "天津市", "120116"), 3),
    (("河北省", "石家庄市", "130102"), 2),
    (("江苏省", "南京市", "320106"), 4),
    (("江苏省", "苏州市", "320505"), 4),
    (("浙江省", "杭州市", "330106"), 5),
    (("浙江省", "宁波市", "330212"), 3),
    (("安徽省", "合肥市", "340104"), 3),
    (("广东省", "深圳市", "440305"), 6),
    (("广东省", "广州市", "440106"), 3),
    (("广东省", "汕头市", "440507"), 1),
    (("广东省", None, "440000"), 1),
    (("山东省", "济南市", "370102"), 6),
    (("山东省", "青岛市", "370212"), 8),
    (("山东省", "烟台市", "370602"), 3),
    (("山东省", "潍坊市", "370702"), 3),
    (("四川省", "成都市", "510107"), 2),
    (("湖北省", "武汉市", "420106"), 2),
    (("福建省", "厦门市", "350203"), 2),
)
# Hong Kong, Macao and Taiwan capital: origin_country 中国, capital_type 外资.
_HMT_ORIGINS = (
    ("香港特别行政区", "（香港）投资有限公司"),
    ("澳门特别行政区", "（澳门）发展有限公司"),
    ("台湾省", "企业股份有限公司"),
)
_FOREIGN_ORIGINS = (
    ("日本", "日本{}株式会社"),
    ("韩国", "韩国{}株式会社"),
    ("新加坡", "新加坡{}私人有限公司"),
    ("德国", "德国{}集团"),
    ("美国", "美国{}公司"),
)
_SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗"
_GIVEN_NAMES = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "霞",
    "刚",
    "建华",
    "志强",
)
_NAME_STYLES = {
    "commerce": (("full", 7), ("half", 2), ("spaced", 1)),
    "approval": (("full", 9), ("spaced", 1)),
    "land": (("full", 5), ("half", 2), ("spaced", 3)),
    "stats": (("half", 7), ("full", 3)),
}
_COMMERCE_STAGE_ORDER = ("在谈", "已签约", "已落地", "已开工")
# name_variation="realistic": what share of the projects are planned in hard-negative families
# (weights of the three kinds, and how often a family has three members, not two) ...
_HARD_NEGATIVE_SHARE = 0.04
_FAMILY_KINDS = (("phase", 4), ("two_districts", 3), ("shared_company", 3))
_FAMILY_OF_THREE = {"phase": 0.2, "two_districts": 0.2, "shared_company": 0.4}
# ... and how often commerce shows the keys: the company USCC on this share of the records
# that name the company (~30% of all), the project code on this share of the records of a
# project another department knows (~13% of all).
_COMMERCE_COMPANY_USCC_SHARE = 0.38
_COMMERCE_CODE_SHARE = 0.2


class _ScenarioBuilder:
    """Plans every project, then lets each department write about it.

    Department emission order is fixed (approval, land, stats, then commerce) because
    commerce's record depends on what the others know: a project any other department knows
    gets its project company's USCC on the commerce record.
    """

    def __init__(
        self,
        size: int,
        seed: int,
        bad_rate: float,
        hard_match_rate: float,
        reference: Reference,
        *,
        realistic: bool = False,
    ):
        self.size = size
        self.seed = seed
        self.bad_rate = bad_rate
        self.hard_match_rate = hard_match_rate
        self.reference = reference
        self.rng = random.Random(seed)
        # A stream of its own, so that hard matching changes no other draw of the model.
        self.hard_rng = random.Random(f"hard-match:{seed}")
        # name_variation="realistic": the clerks' names, the keys departments really send, and
        # the hard-negative families, each on a stream of its own.
        self.realistic = realistic
        self.writer = NameWriter(seed) if realistic else None
        self.key_rng = random.Random(f"realistic-keys:{seed}")
        self.name_variations: dict[tuple[str, str], tuple[str, ...]] = {}
        self.hard_negative_pairs: list[tuple[str, str]] = []
        self.known_district_codes = {d.code for d in reference.districts}
        self.known_district_labels = {d.name for d in reference.districts} | {
            alias for d in reference.districts for alias in d.aliases
        }
        self.used_company_names: set[str] = set()
        self.used_usccs: set[str] = set()
        self.used_codes: set[str] = set()
        self.investors: list[_Investor] = []
        self.code_serial = self.rng.randint(1000, 9000)
        self.commerce_serial = self.rng.randint(100, 900)
        self.stats_serial = self.rng.randint(1000, 5000)
        self.parcel_serials: dict[tuple[str, int], int] = {}
        self.record_owner: dict[tuple[str, str], str | None] = {}
        self.bad_records: dict[tuple[str, str], list[str]] = {}
        self.non_evidence: dict[tuple[str, str], str] = {}
        self.served_sources: dict[str, set[str]] = defaultdict(set)
        self.known_to: dict[str, set[str]] = defaultdict(set)  # any record, served or not
        self.commerce_records: list[dict[str, Any]] = []
        self.main_commerce_record: dict[str, dict[str, Any]] = {}
        self.pending_events: list[_PendingEvent] = []
        self.land_rows: list[tuple[datetime, int, dict[str, str]]] = []
        self.stats_rows: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)

    # ------------------------------------------------------------------ orchestration

    def build(self) -> Scenario:
        plans = self._plan_projects()
        for plan in plans:
            self._emit_approval(plan)
            self._emit_land(plan)
            self._emit_stats(plan)
        for plan in plans:
            self._emit_commerce(plan)
        self._emit_soft_deleted_duplicates(plans)
        self._add_bad_commerce()
        self._add_bad_approval()
        self._add_bad_land()
        self._add_bad_stats()
        if self.hard_match_rate:
            self._hide_exact_keys()
        approval_events = self._finish_approval()
        truth = GroundTruth(
            size=self.size,
            seed=self.seed,
            projects={plan.pid: self._true_project(plan) for plan in plans},
            record_owner=dict(sorted(self.record_owner.items(), key=_record_key_order)),
            bad_records=dict(sorted(self.bad_records.items(), key=_record_key_order)),
            non_evidence=dict(sorted(self.non_evidence.items(), key=_record_key_order)),
            hard_negative_pairs=sorted(self.hard_negative_pairs),
            name_variations={
                key: kinds
                for key, kinds in sorted(self.name_variations.items(), key=_record_key_order)
                if self.record_owner.get(key)
            },
        )
        return Scenario(
            commerce_records=sorted(
                self.commerce_records, key=lambda r: (r["updated_at"], r["project_no"])
            ),
            approval_events=approval_events,
            land_files=self._finish_land_files(),
            stats_periods=self._finish_stats_periods(),
            truth=truth,
        )

    def _own(
        self,
        source: str,
        key: str,
        owner: str | None,
        *,
        non_evidence: str | None = None,
        served: bool = True,
    ) -> None:
        if (source, key) in self.record_owner:
            raise AssertionError(f"duplicate source key {source}:{key}")
        self.record_owner[(source, key)] = owner
        if non_evidence:
            self.non_evidence[(source, key)] = non_evidence
        if owner:
            self.known_to[owner].add(source)
            if served:
                self.served_sources[owner].add(source)

    # ------------------------------------------------------------------ small random helpers

    def _weighted(self, options: tuple[tuple[Any, int], ...]) -> Any:
        values, weights = zip(*options, strict=True)
        return self.rng.choices(values, weights)[0]

    def _day(self, low: date, high: date) -> date:
        """A day in [low, high]; low when the window is empty."""
        return low + timedelta(days=self.rng.randint(0, max(0, (high - low).days)))

    def _after(self, day: date, low: int, high: int) -> date:
        """``low``..``high`` days after ``day``, but never after the scenario's today."""
        return min(SCENARIO_TODAY, day + timedelta(days=self.rng.randint(low, high)))

    def _before(self, day: date, low: int, high: int) -> date:
        return day - timedelta(days=self.rng.randint(low, high))

    def _at(self, day: date, earliest: time = time(9, 0), latest: time = time(17, 30)) -> datetime:
        start = earliest.hour * 3600 + earliest.minute * 60
        end = latest.hour * 3600 + latest.minute * 60
        second = self.rng.randint(start, end)
        return datetime.combine(day, time(second // 3600, second // 60 % 60, second % 60), LOCAL_TZ)

    def _count(self, fraction: float, population: int) -> int:
        """Half-up count of a fraction, at least one when anyone is eligible."""
        return min(population, max(1, int(fraction * population + 0.5))) if population else 0

    def _styled(self, name: str, department: str) -> str:
        """The same name as another department writes it: brackets, stray spaces."""
        style = self._weighted(_NAME_STYLES[department])
        if style == "half":
            return name.replace("（", "(").replace("）", ")")
        if style == "spaced":
            if "（" in name and self.rng.random() < 0.5:
                return name.replace("（", " （", 1)
            return self.rng.choice((name + " ", " " + name, name.replace("有限", " 有限", 1)))
        return name

    def _names(self, department: str) -> RecordNames | None:
        """One record's clerk (realistic), or None: names as the model has them."""
        return self.writer.record(department) if self.writer else None

    def _title(self, plan: _Plan, phase: int | None = None) -> Title:
        chain = plan.chain.name if plan.chain else "综合"
        return Title(plan.brand, chain, plan.project_word, phase or plan.phase)

    def _noted(self, source: str, key: str, names: RecordNames | None) -> None:
        if names is not None and names.kinds:
            self.name_variations[(source, key)] = names.kinds

    # ------------------------------------------------------------------ identifiers

    def _brand(self) -> str:
        return "".join(self.rng.sample(_BRAND_CHARS, 2))

    def _new_uscc(self, region: str, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        while True:
            if rng.random() < 0.6:
                org = "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(7))
            else:
                org = "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice(
                    USCC_ALPHABET
                )
            body = "91" + region + org
            uscc = body + uscc_check_char(body)
            if uscc not in self.used_usccs:
                self.used_usccs.add(uscc)
                return uscc

    def _new_project_code(self, plan: _Plan, year: int) -> str:
        self.code_serial += self.rng.randint(1, 40)
        industry = plan.industry_code[1:3]
        project_type = self.rng.choice(("01", "02", "03", "04"))
        # Six digits last ~48,000 coded projects; beyond, the serial wraps (still unique).
        serial = self.code_serial % 1_000_000
        while True:
            code = f"{year}-{plan.district.code}-{industry}-{project_type}-{serial:06d}"
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code
            serial = (serial + 1) % 1_000_000

    def _new_project_no(self, year: int) -> str:
        self.commerce_serial += self.rng.randint(1, 3)
        return f"SW{year}-{self.commerce_serial:06d}"

    def _new_stat_id(self, district_code: str) -> str:
        self.stats_serial += self.rng.randint(1, 5)
        return f"TJ{district_code}{self.stats_serial:07d}"

    def _new_parcel_id(self, district_code: str, year: int) -> str:
        key = (district_code, year)
        if key not in self.parcel_serials:
            self.parcel_serials[key] = self.rng.randint(0, 20)
        self.parcel_serials[key] += self.rng.randint(1, 3)
        return f"{district_code}-{year}-G{self.parcel_serials[key]:03d}"

    # ------------------------------------------------------------------ planning

    def _plan_projects(self) -> list[_Plan]:
        stages = self._stage_list()
        plans = [
            self._plan_identity(f"TP{index:05d}", stage)
            for index, stage in enumerate(stages, start=1)
        ]
        if self.realistic:
            self._plan_hard_negatives(plans)
        self._assign_traits(plans)
        for plan in plans:
            self._plan_timeline(plan)
            self._plan_evidence(plan)
        return plans

    def _stage_list(self) -> list[str]:
        """Exact quotas by largest remainder, shuffled: small scenarios still hold every stage."""
        raw = {stage: share * self.size for stage, share in _STAGE_MIX.items()}
        counts = {stage: int(value) for stage, value in raw.items()}
        by_remainder = sorted(
            STAGES, key=lambda stage: (-(raw[stage] - counts[stage]), STAGES.index(stage))
        )
        for stage in by_remainder[: self.size - sum(counts.values())]:
            counts[stage] += 1
        stages = [stage for stage in STAGES for _ in range(counts[stage])]
        self.rng.shuffle(stages)
        return stages

    def _new_investor(self) -> _Investor:
        brand = self._brand()
        roll = self.rng.random()
        if roll < 0.75:
            province, city, region = self._weighted(_DOMESTIC_ORIGINS)
            suffix = self.rng.choice(
                ("集团有限公司", "控股集团有限公司", "科技股份有限公司", "实业有限公司")
            )
            return _Investor(
                brand, brand + suffix, self._new_uscc(region), "中国", province, city, "内资"
            )
        if roll < 0.85:
            province, suffix = self.rng.choice(_HMT_ORIGINS)
            prefix = "台湾" if province == "台湾省" else ""
            return _Investor(brand, prefix + brand + suffix, None, "中国", province, None, "外资")
        country, pattern = self.rng.choice(_FOREIGN_ORIGINS)
        return _Investor(brand, pattern.format(brand), None, country, None, None, "外资")

    def _plan_identity(self, pid: str, stage: str) -> _Plan:
        rng = self.rng
        if self.investors and rng.random() < 0.15:
            investor = rng.choice(self.investors)
        else:
            investor = self._new_investor()
            self.investors.append(investor)
        district = rng.choice(self.reference.districts)
        if rng.random() < 0.05:
            chain, category, manufacturing = None, "其他", rng.random() < 0.5
        else:
            chain = rng.choice(self.reference.chains)
            category, manufacturing = chain.category, chain.is_manufacturing
            if rng.random() < 0.03:  # commerce's own classification wins over the chain default
                manufacturing = not manufacturing
        industry_code = _INDUSTRY_CODES.get(
            chain.name if chain else "", "C3990" if manufacturing else "L7299"
        )
        brand, company = self._company_name(investor.brand, rng)
        investment = self._draw_investment_wan()
        filed = investment
        if rng.random() < 0.05:  # a figure more than 20% apart between departments
            filed = int(investment * rng.uniform(1.3, 1.6)) // 10 * 10
        elif rng.random() < 0.6:
            filed = int(investment * rng.uniform(0.9, 1.1)) // 10 * 10
        stats_planned = (
            filed if rng.random() < 0.8 else int(filed * rng.uniform(0.9, 1.1)) // 10 * 10
        )
        company_uscc = self._new_uscc(district.code)
        word = rng.choice(_PROJECT_WORDS)
        return _Plan(
            pid=pid,
            stage=stage,
            district=district,
            chain=chain,
            industry_category=category,
            is_manufacturing=manufacturing,
            industry_code=industry_code,
            investor=investor,
            brand=brand,
            company_name=company,
            company_uscc=company_uscc,
            title=f"{brand}{chain.name if chain else '综合'}{word}",
            investment_wan=investment,
            filed_investment_wan=max(filed, 10),
            stats_planned_wan=max(stats_planned, 10),
            project_word=word,
        )

    def _company_name(self, brand: str, rng: random.Random) -> tuple[str, str]:
        """(brand, name) of a new local project company; another brand if the investor's has
        run out of names — a three-character one once two-character brands are scarce (beyond
        ~40,000 projects; smaller scenarios never get there)."""
        for attempt in range(250):
            if attempt == 25:
                brand = "".join(rng.sample(_BRAND_CHARS, 2))
            elif attempt >= 50 and attempt % 10 == 0:
                brand = "".join(rng.sample(_BRAND_CHARS, 3))
            label = rng.choice(_COMPANY_LABELS)
            form = rng.randrange(3)
            if form == 0:
                company = f"{brand}{label}（青岛）有限公司"
            elif form == 1:
                company = f"青岛{brand}{label}有限公司"
            else:
                company = f"{brand}{label}（青岛）股份有限公司"
            if company not in self.used_company_names:
                break
        else:
            raise RuntimeError("ran out of company names")
        self.used_company_names.add(company)
        return brand, company

    # ------------------------------------------------------------------ hard negatives

    def _plan_hard_negatives(self, plans: list[_Plan]) -> None:
        """Families of distinct projects that look alike (realistic): a hub that links two of
        them merges two projects. About ``_HARD_NEGATIVE_SHARE`` of the projects, in families
        of two or three, reshaped on a stream of their own; stages, money and everything the
        lifecycle draws stay as drawn.

        - phase: one investor's 一期 and 二期 (sometimes 三期) in one district, titles equal
          but for the phase (trait ``project_phase:<n>``); half the families share the
          project company (name and USCC), in the others each phase has its own company of
          the same brand.
        - two_districts: one domestic investor (so one investor USCC at commerce) with a
          project in each of two or three districts: same brand and chain, the same title or
          another project word; each its own company.
        - shared_company: two or three projects of one local project company (the same name
          and USCC in every department), in its district, with different titles.
        """
        rng = random.Random(f"hard-negatives:{self.seed}")
        target = int(_HARD_NEGATIVE_SHARE * len(plans) + 0.5)
        free = list(plans)
        rng.shuffle(free)
        kinds, weights = zip(*_FAMILY_KINDS, strict=True)
        members = families = 0
        while members < target and len(free) >= 2:
            kind = rng.choices(kinds, weights)[0]
            size = 3 if rng.random() < _FAMILY_OF_THREE[kind] else 2
            first = 0
            if kind == "two_districts":  # a domestic investor: one investor USCC at commerce
                size = min(size, len(self.reference.districts))
                first = next((i for i, plan in enumerate(free) if plan.investor.uscc), -1)
                if first < 0 or size < 2:
                    kind, first, size = "phase", 0, 2
            family = [free.pop(first), *free[: size - 1]]
            del free[: size - 1]
            {
                "phase": self._phase_family,
                "two_districts": self._two_district_family,
                "shared_company": self._shared_company_family,
            }[kind](family, rng)
            families += 1
            family_id = f"HN{families:05d}"
            for plan in family:
                plan.traits.update((f"hard_negative_{kind}", f"hard_negative_family:{family_id}"))
                if plan.phase:
                    plan.traits.add(f"project_phase:{plan.phase}")
                plan.title = self._title(plan).plain()
            self.hard_negative_pairs.extend(
                (a.pid, b.pid) if a.pid < b.pid else (b.pid, a.pid)
                for index, a in enumerate(family)
                for b in family[index + 1 :]
            )
            members += len(family)

    def _like(self, plan: _Plan, base: _Plan) -> None:
        """``plan`` becomes a project of ``base``'s investor, brand, chain and project word."""
        plan.investor, plan.brand = base.investor, base.brand
        plan.chain, plan.industry_category = base.chain, base.industry_category
        plan.is_manufacturing, plan.industry_code = base.is_manufacturing, base.industry_code
        plan.project_word = base.project_word

    def _own_company(self, plan: _Plan, rng: random.Random) -> None:
        plan.company_name = self._company_name(plan.brand, rng)[1]
        plan.company_uscc = self._new_uscc(plan.district.code, rng)

    def _phase_family(self, family: list[_Plan], rng: random.Random) -> None:
        base = family[0]
        share_company = rng.random() < 0.5
        for phase, plan in enumerate(family, start=1):
            plan.phase = phase
            if plan is base:
                continue
            self._like(plan, base)
            plan.district = base.district
            if share_company:
                plan.company_name, plan.company_uscc = base.company_name, base.company_uscc
            else:
                self._own_company(plan, rng)

    def _two_district_family(self, family: list[_Plan], rng: random.Random) -> None:
        base = family[0]
        elsewhere = [d for d in self.reference.districts if d.code != base.district.code]
        for plan, district in zip(family[1:], rng.sample(elsewhere, len(family) - 1), strict=True):
            self._like(plan, base)
            if rng.random() < 0.5:
                plan.project_word = rng.choice(
                    [word for word in _PROJECT_WORDS if word != base.project_word]
                )
            plan.district = district
            self._own_company(plan, rng)

    def _shared_company_family(self, family: list[_Plan], rng: random.Random) -> None:
        base = family[0]
        titles = [self._title(base).plain()]
        for plan in family[1:]:
            plan.investor, plan.brand, plan.district = base.investor, base.brand, base.district
            plan.company_name, plan.company_uscc = base.company_name, base.company_uscc
            while self._title(plan).plain() in titles:
                plan.project_word = rng.choice(_PROJECT_WORDS)
            titles.append(self._title(plan).plain())

    def _draw_investment_wan(self) -> int:
        """Mostly 亿元以上 (>= 10,000 万元), some 30亿+ and 50亿+; whole hundreds of 万元 so a
        figure written in 亿元 has at most two decimals."""
        roll = self.rng.random()
        if roll < 0.08:
            low, high = 1_000, 9_900
        elif roll < 0.78:
            low, high = 10_000, 299_900
        elif roll < 0.92:
            low, high = 300_000, 499_900
        else:
            low, high = 500_000, 2_000_000
        return self.rng.randint(low // 100, high // 100) * 100

    def _assign_traits(self, plans: list[_Plan]) -> None:
        """The special cases: each is a trap a hub falls into if it counts what is not evidence,
        or a gap it must bridge (no commerce record, no dated start)."""

        def give(
            trait: str, fraction: float, stages: tuple[str, ...], *, exclude: tuple[str, ...] = ()
        ) -> None:
            pool = [p for p in plans if p.stage in stages and not p.traits.intersection(exclude)]
            for plan in self.rng.sample(pool, self._count(fraction, len(pool))):
                plan.traits.add(trait)

        give("terminated_with_filing", 0.06, ("landed",))
        give("commerce_unknown", 0.10, _LANDED_OR_LATER, exclude=("terminated_with_filing",))
        give(
            "commerce_only_construction",
            0.10,
            ("under_construction",),
            exclude=("commerce_unknown",),
        )
        give(
            "premature_stats_inclusion",
            0.0,
            ("under_construction",),
            exclude=("commerce_only_construction",),
        )
        give("stats_only_construction", 0.10, _IN_STATS)
        give("suspended", 0.05, ("in_statistics",))
        give("added_in_revision_2", 0.0, ("in_statistics",), exclude=("suspended",))
        give(
            "premature_production",
            0.0,
            ("in_statistics",),
            exclude=("suspended", "added_in_revision_2"),
        )
        give("revoked_only_filing", 0.07, ("signed",))
        give("revoked_only_filing", 0.10, ("terminated",))
        give("refused_filing", 0.05, ("signed",), exclude=("revoked_only_filing",))
        give("refused_construction_permit", 0.08, ("landed",))
        give(
            "revoked_construction_permit",
            0.08,
            ("landed",),
            exclude=("refused_construction_permit",),
        )
        give("corrected_filing", 0.06, _LANDED_OR_LATER)
        give("withdrawn_parcel", 0.05, _LANDED_OR_LATER)
        give("withdrawn_parcel", 0.05, ("signed", "terminated"))
        give("stats_without_code", 0.10, _IN_STATS)

    def _plan_timeline(self, plan: _Plan) -> None:
        """The true dates: anchor the furthest milestone reached, then walk back in time."""
        rng, traits = self.rng, plan.traits
        if plan.stage == "negotiating":
            plan.negotiation_on = self._day(date(2024, 7, 1), SCENARIO_TODAY - timedelta(days=3))
            return
        if plan.stage == "terminated":
            plan.terminated_on = self._day(date(2023, 6, 1), SCENARIO_TODAY - timedelta(days=1))
            if "revoked_only_filing" in traits or rng.random() < 0.45:
                plan.signed_on = self._before(plan.terminated_on, 60, 400)
            plan.negotiation_on = self._before(plan.signed_on or plan.terminated_on, 20, 300)
            return
        if plan.stage == "in_production":
            plan.production_on = self._day(date(2023, 3, 1), SCENARIO_TODAY - timedelta(days=2))
            production_month = _month_index(plan.production_on)
            plan.included_month = max(
                production_month - rng.randint(1, 24), _month_index(date(2021, 7, 1))
            )
            plan.start_month = plan.included_month - rng.randint(0, 5)
            plan.build_months = production_month - plan.start_month + 1
        elif plan.stage == "in_statistics":
            if "added_in_revision_2" in traits:
                plan.included_month = LAST_STATS_PERIOD - 1
            else:
                plan.included_month = rng.randint(_month_index(date(2022, 6, 1)), LAST_STATS_PERIOD)
            plan.start_month = plan.included_month - rng.randint(0, 5)
            plan.build_months = rng.randint(12, 48)
            if "suspended" in traits:
                plan.suspended_from = rng.randint(plan.included_month, LAST_STATS_PERIOD)
        elif plan.stage == "under_construction":
            plan.construction_on = self._day(date(2023, 6, 1), SCENARIO_TODAY - timedelta(days=2))
        elif plan.stage == "landed":
            latest = SCENARIO_TODAY - timedelta(
                days=40 if "terminated_with_filing" in traits else 2
            )
            plan.landed_on = self._day(date(2023, 3, 1), latest)
        else:  # signed
            plan.signed_on = self._day(date(2023, 1, 1), SCENARIO_TODAY - timedelta(days=30))
        if plan.start_month is not None:
            plan.construction_on = _month_start(plan.start_month)
        if plan.construction_on:
            plan.landed_on = self._before(plan.construction_on, 25, 300)
        if plan.landed_on:
            plan.signed_on = self._before(plan.landed_on, 15, 240)
        plan.negotiation_on = self._before(plan.signed_on, 20, 300)
        if "terminated_with_filing" in traits:
            plan.terminated_on = self._after(plan.landed_on, 10, 200)

    def _plan_evidence(self, plan: _Plan) -> None:
        """Which departments show which milestone, and on which day."""
        rng = self.rng
        if plan.stage in _LANDED_OR_LATER:
            plan.filing_on = plan.landed_on
            plan.has_parcels = rng.random() < 0.6
            latest_filing = min(
                SCENARIO_TODAY, (plan.construction_on or SCENARIO_TODAY) - timedelta(days=1)
            )
            if (
                plan.has_parcels
                and "corrected_filing" not in plan.traits
                and rng.random() < 0.3
                and (latest_filing - plan.landed_on).days >= 5
            ):
                plan.contract_first = True
                plan.filing_on = plan.landed_on + timedelta(
                    days=rng.randint(5, min(60, (latest_filing - plan.landed_on).days))
                )
        if plan.stage == "under_construction" and "commerce_only_construction" not in plan.traits:
            plan.permit_on = plan.construction_on
        elif plan.stage in _IN_STATS and "stats_only_construction" not in plan.traits:
            plan.permit_on = min(
                SCENARIO_TODAY, plan.construction_on + timedelta(days=rng.randint(0, 27))
            )
        if not plan.commerce_known:
            return
        plan.commerce_stage, plan.commerce_signed_on_filled = self._commerce_view(plan)
        plan.commerce_negotiation_filled = rng.random() < 0.9

    def _commerce_view(self, plan: _Plan) -> tuple[str, bool]:
        """Commerce's stage (often behind the truth, never ahead); whether it filled signed_on."""
        if plan.stage == "terminated" or "terminated_with_filing" in plan.traits:
            return "已终止", plan.signed_on is not None
        if plan.stage == "negotiating":
            return "在谈", False
        if plan.stage == "signed":
            roll = self.rng.random()
            if roll < 0.10:
                plan.traits.add("commerce_stage_lags")
                return "在谈", True  # signed_on filled in, stage never moved on
            return "已签约", roll < 0.95
        if "commerce_only_construction" in plan.traits:
            stage = "已开工"
        elif plan.stage == "landed":
            stage = self._weighted((("已落地", 6), ("已签约", 4)))
        else:
            stage = self._weighted((("已开工", 5), ("已落地", 3), ("已签约", 2)))
        if _COMMERCE_STAGE_ORDER.index(stage) < _COMMERCE_STAGE_ORDER.index(
            _COMMERCE_EQUIVALENT[plan.stage]
        ):
            plan.traits.add("commerce_stage_lags")
        return stage, self.rng.random() < 0.95

    # ------------------------------------------------------------------ approval

    def _emit_approval(self, plan: _Plan) -> None:
        rng = self.rng
        specs: list[dict[str, Any]] = []  # kept in creation order; ids come after ordering

        def add(day: date, matter: str, decision: str, **extra: Any) -> dict[str, Any]:
            spec = {"day": day, "matter": matter, "decision": decision, **extra}
            specs.append(spec)
            return spec

        filing_matter = "项目核准" if rng.random() < 0.2 else "项目备案"
        if plan.stage in _LANDED_OR_LATER:
            if "corrected_filing" in plan.traits:
                original = add(
                    self._before(plan.filing_on, 10, 60),
                    filing_matter,
                    "准予",
                    investment=max(
                        10, int(plan.filed_investment_wan * rng.uniform(0.6, 0.9)) // 10 * 10
                    ),
                    non_evidence="superseded",
                )
                add(plan.filing_on, filing_matter, "准予", supersedes=original)
            else:
                add(plan.filing_on, filing_matter, "准予")
            building_from = plan.construction_on or SCENARIO_TODAY
            if rng.random() < 0.4:
                add(self._day(plan.filing_on, building_from), "建设用地规划许可", "准予")
            if plan.construction_on and rng.random() < 0.4:
                add(self._day(plan.filing_on, plan.construction_on), "建设工程规划许可", "准予")
            if plan.permit_on:
                add(plan.permit_on, "施工许可", "准予")
            if "refused_construction_permit" in plan.traits:
                add(
                    self._after(plan.filing_on, 20, 200), "施工许可", "不予", non_evidence="refused"
                )
            if "revoked_construction_permit" in plan.traits:
                granted = add(
                    self._after(plan.filing_on, 20, 200), "施工许可", "准予", non_evidence="revoked"
                )
                add(
                    self._after(granted["day"], 5, 90),
                    "施工许可",
                    "撤销",
                    supersedes=granted,
                    non_evidence="revocation",
                )
        if "revoked_only_filing" in plan.traits:
            latest = (plan.terminated_on or SCENARIO_TODAY) - timedelta(days=1)
            granted = add(
                self._day(plan.signed_on + timedelta(days=5), latest),
                filing_matter,
                "准予",
                non_evidence="revoked",
            )
            add(
                self._after(granted["day"], 10, 120),
                filing_matter,
                "撤销",
                supersedes=granted,
                non_evidence="revocation",
            )
        if "refused_filing" in plan.traits:
            add(self._after(plan.signed_on, 10, 150), "项目核准", "不予", non_evidence="refused")
        if not specs:
            return

        self.known_to[plan.pid].add("approval")
        plan.project_code = self._new_project_code(plan, min(spec["day"] for spec in specs).year)
        names = self._names("approval")  # one registration: its names on every event
        if names is not None:
            project_name = names.project(self._title(plan), "建设项目")
            applicant = names.company(plan.company_name)
        else:
            project_name = f"{plan.title}建设项目"
            if "（青岛）" in plan.company_name and rng.random() < 0.5:
                qualified = plan.title.replace(plan.brand, plan.brand + "（青岛）", 1)
                project_name = qualified + "建设项目"
            applicant = plan.company_name
        for spec in specs:
            decided = self._at(spec["day"])
            superseded = spec.get("supersedes")
            if superseded is not None and decided <= superseded["event"].decided:
                decided = superseded["event"].decided + timedelta(minutes=rng.randint(30, 300))
            event = _PendingEvent(
                decided=decided,
                owner=plan.pid,
                document_kind=spec["matter"] if spec["decision"] == "准予" else spec["decision"],
                supersedes=superseded["event"] if superseded else None,
                non_evidence=spec.get("non_evidence"),
                name_kinds=names.kinds if names is not None else (),
                fields={
                    "event_id": None,
                    "project_code": plan.project_code,
                    "project_name": project_name,
                    "applicant_name": self._styled(applicant, "approval"),
                    "applicant_uscc": plan.company_uscc,
                    "district_code": plan.district.code,
                    "matter": spec["matter"],
                    "decision": spec["decision"],
                    "decided_at": decided.isoformat(),
                    "document_no": None,
                    "total_investment_wan": spec.get("investment", plan.filed_investment_wan),
                    "supersedes_event_id": None,
                },
            )
            spec["event"] = event
            self.pending_events.append(event)

    def _finish_approval(self) -> list[dict[str, Any]]:
        """Order the stream, then give ids and document numbers in that order."""
        ordered = sorted(self.pending_events, key=lambda event: event.decided)
        serials: dict[int, int] = {}
        document_numbers: dict[tuple[str, int], int] = {}
        for event in ordered:
            year = event.decided.year
            if year not in serials:
                serials[year] = self.rng.randint(100, 900)
            serials[year] += self.rng.randint(1, 4)
            event.fields["event_id"] = f"SP{year}{serials[year]:07d}"
            document_key = (event.document_kind, year)
            if document_key not in document_numbers:
                document_numbers[document_key] = self.rng.randint(10, 60)
            document_numbers[document_key] += self.rng.randint(1, 6)
            event.fields["document_no"] = _document_no(
                event.document_kind,
                year,
                document_numbers[document_key],
                event.fields["district_code"],
                event.decided,
            )
        for event in ordered:
            if event.supersedes is not None:
                event.fields["supersedes_event_id"] = event.supersedes.fields["event_id"]
            key = event.fields["event_id"]
            if event.bad_reasons is not None:
                self._own("approval", key, None)
                self.bad_records[("approval", key)] = event.bad_reasons
            else:
                self._own("approval", key, event.owner, non_evidence=event.non_evidence)
                if event.name_kinds:
                    self.name_variations[("approval", key)] = event.name_kinds
        return [event.fields for event in ordered]

    # ------------------------------------------------------------------ land

    def _emit_land(self, plan: _Plan) -> None:
        if plan.has_parcels:
            first = plan.landed_on if plan.contract_first else self._after(plan.landed_on, 1, 150)
            self._emit_parcel(plan, first, plot="")
            if self.rng.random() < 0.2:
                self._emit_parcel(plan, self._after(first, 30, 365), plot="（二号地块）")
        if "withdrawn_parcel" in plan.traits:
            if plan.landed_on:  # dated before the true landing: counting it would move landed_on
                contract = self._before(plan.landed_on, 10, 120)
            else:  # a project that never landed: counting it would make it landed
                base = plan.signed_on or plan.negotiation_on
                contract = self._day(
                    base, (plan.terminated_on or SCENARIO_TODAY) - timedelta(days=1)
                )
            self._emit_parcel(plan, contract, plot="", withdrawn=True)

    def _land_keys(self, plan: _Plan) -> tuple[str, str]:
        """(项目代码, 统一社会信用代码): the code on about two thirds of parcels, the USCC
        otherwise; always at least one of them (until ``_hide_exact_keys``). Realistic: half
        the parcels without the code lack the USCC too, so one in six carries neither."""
        with_code = plan.project_code is not None and self.rng.random() < 0.67
        if self.realistic:
            with_uscc = self.rng.random() < 0.5
        else:
            with_uscc = not with_code or self.rng.random() < 0.5
        return (plan.project_code if with_code else "", plan.company_uscc if with_uscc else "")

    def _emit_parcel(
        self, plan: _Plan, contract_on: date, *, plot: str, withdrawn: bool = False
    ) -> None:
        """One parcel of ``plan``. A phase marker names a project (一期 and 二期 are two
        projects), so a parcel carries its project's phase, if any; a second parcel of one
        project is a second plot (``plot``, e.g. （二号地块）), never a second phase."""
        rng = self.rng
        parcel_id = self._new_parcel_id(plan.district.code, contract_on.year)
        code, uscc = self._land_keys(plan)
        if plan.is_manufacturing:
            land_use = self._weighted((("工业用地", 8), ("仓储用地", 2)))
        else:
            land_use = self._weighted((("商服用地", 6), ("科教用地", 3), ("公共设施用地", 1)))
        method = "划拨" if rng.random() < 0.15 else "出让"
        area = round(rng.uniform(1.0, 30.0), 4)
        quota = 0.0 if rng.random() < 0.1 else round(area * 15 * rng.uniform(0.5, 1.0), 1)
        price = "" if method == "划拨" else str(int(area * 15 * rng.uniform(15, 60)))
        if rng.random() < 0.04:
            plot = f"{plot},配套用地"  # a half-width comma: the field must be quoted
        project_name, after_name, company_name = plan.title, plot, plan.company_name
        names = self._names("land")
        if names is not None:
            project_name = names.project(self._title(plan), "")
            company_name = names.company(plan.company_name)
            self._noted("land", parcel_id, names)
        district_label = plan.district.name
        if plan.district.aliases and rng.random() < 0.5:
            district_label = rng.choice(plan.district.aliases)

        def row(
            status: str, updated: datetime, contract: date, area_ha: float, price_wan: str
        ) -> dict[str, str]:
            return {
                "宗地编号": parcel_id,
                "项目名称": self._styled(project_name, "land") + after_name,
                "用地单位": self._styled(company_name, "land"),
                "统一社会信用代码": uscc,
                "项目代码": code,
                "行政区划": district_label,
                "土地用途": land_use,
                "供地方式": method,
                "供地面积（公顷）": f"{area_ha:.4f}",
                "使用计划指标（亩）": f"{quota:.1f}",
                "成交价款（万元）": price_wan,
                "合同签订日期": _land_date(contract, rng),
                "状态": status,
                "更新时间": updated.strftime("%Y-%m-%d %H:%M:%S"),
            }

        first_update = self._at(self._after(contract_on, 0, 10), time(15, 0), time(19, 0))
        if withdrawn:
            self._own("land", parcel_id, plan.pid, non_evidence="withdrawn")
            if rng.random() < 0.5:
                self._add_land_row(
                    first_update, row("作废", first_update, contract_on, area, price)
                )
            else:
                self._add_land_row(
                    first_update, row("有效", first_update, contract_on, area, price)
                )
                later = self._later(first_update, 10, 200)
                self._add_land_row(later, row("作废", later, contract_on, area, price))
            return

        self._own("land", parcel_id, plan.pid)
        roll = rng.random()
        if roll < 0.12:
            # A first row with a wrong (earlier) contract date and area, corrected later — in
            # the same file or a later one. Only the last row of a parcel counts.
            plan.traits.add("land_row_corrected")
            if roll < 0.05:
                draft_update = first_update - timedelta(hours=rng.randint(1, 5))
            else:
                draft_update, first_update = first_update, self._later(first_update, 5, 90)
            wrong_area = round(area * rng.uniform(0.8, 1.2), 4)
            wrong_contract = self._before(contract_on, 5, 60)
            self._add_land_row(
                draft_update, row("有效", draft_update, wrong_contract, wrong_area, price)
            )
        final = row("有效", first_update, contract_on, area, price)
        self._add_land_row(first_update, final)
        if rng.random() < 0.03:
            plan.traits.add("land_row_repeated")
            self._add_land_row(first_update, dict(final))

    def _later(self, moment: datetime, low: int, high: int) -> datetime:
        """A moment ``low``..``high`` days later (same day, later hour, when capped at today)."""
        candidate = self._at(self._after(moment.date(), low, high), time(15, 0), time(19, 0))
        return (
            candidate
            if candidate > moment
            else moment + timedelta(minutes=self.rng.randint(5, 120))
        )

    def _add_land_row(self, updated: datetime, row: dict[str, str]) -> None:
        self.land_rows.append((updated, len(self.land_rows), row))

    def _finish_land_files(self) -> list[LandFile]:
        """One file per day with changes, rows in the order they happened; plus a day whose
        file holds only its header."""
        by_day: dict[date, list[tuple[datetime, int, dict[str, str]]]] = defaultdict(list)
        for entry in self.land_rows:
            by_day[entry[0].date()].append(entry)
        empty_day = date(2024, 1, 1)
        while empty_day in by_day:
            empty_day += timedelta(days=1)
        by_day[empty_day] = []
        return [
            LandFile(
                f"land_supply_{day:%Y%m%d}.csv",
                [row for _, _, row in sorted(by_day[day], key=lambda e: (e[0], e[1]))],
            )
            for day in sorted(by_day)
        ]

    # ------------------------------------------------------------------ stats

    def _stats_identity(self, plan: _Plan) -> dict[str, Any]:
        stat_id = self._new_stat_id(plan.district.code)
        names = self._names("stats")  # the roster keeps a project's names month after month
        project_name, company_name = f"{plan.title}项目", plan.company_name
        if names is not None:
            project_name = names.project(self._title(plan), "项目")
            company_name = names.company(plan.company_name)
            self._noted("stats", stat_id, names)
        return {
            "stat_project_id": stat_id,
            "project_code": None if "stats_without_code" in plan.traits else plan.project_code,
            "project_name": self._styled(project_name, "stats"),
            "legal_unit_name": self._styled(company_name, "stats"),
            "legal_unit_uscc": plan.company_uscc,
            "district_code": plan.district.code,
            "industry_code": plan.industry_code,
            "planned_investment_wan": plan.stats_planned_wan,
        }

    def _cumulative_investment(self, plan: _Plan, month: int) -> float:
        if month < plan.start_month:
            return 0.0
        progress = min(1.0, (month - plan.start_month + 1) / plan.build_months)
        if plan.suspended_from is not None and month >= plan.suspended_from:
            progress = min(
                progress, (plan.suspended_from - plan.start_month + 1) / plan.build_months
            )
        return plan.stats_planned_wan * progress

    def _emit_stats(self, plan: _Plan) -> None:
        if "premature_stats_inclusion" in plan.traits:
            # Counted in a revision the bureau replaced before anyone should have used it.
            identity = self._stats_identity(plan)
            month = _month_index(plan.construction_on)
            self._own(
                "stats",
                identity["stat_project_id"],
                plan.pid,
                non_evidence="superseded_revision",
                served=False,
            )
            self.stats_rows[(_month_label(LAST_STATS_PERIOD), 1)].append(
                {
                    **identity,
                    "completed_investment_ytd_wan": round(plan.stats_planned_wan * 0.05, 1),
                    "start_month": _month_label(month),
                    "included_month": _month_label(LAST_STATS_PERIOD),
                    "status": "新开工",
                    "completed_on": None,
                }
            )
        if plan.stage not in _IN_STATS:
            return
        identity = self._stats_identity(plan)
        self._own("stats", identity["stat_project_id"], plan.pid)
        last = LAST_STATS_PERIOD
        production_month = None
        if plan.production_on:
            production_month = _month_index(plan.production_on)
            last = min(last, (plan.production_on.year * 12) + 11)  # dropped the January after
        for month in range(max(plan.included_month, FIRST_STATS_PERIOD), last + 1):
            label = _month_label(month)
            year_start = month - month % 12
            ytd = self._cumulative_investment(plan, month) - self._cumulative_investment(
                plan, year_start - 1
            )
            status, completed_on = ("新开工" if plan.start_month >= year_start else "续建"), None
            if production_month is not None and month >= production_month:
                status, completed_on = "全部投产", plan.production_on.isoformat()
            elif plan.suspended_from is not None and month >= plan.suspended_from:
                status = "停缓建"
            row = {
                **identity,
                "completed_investment_ytd_wan": round(ytd, 1),
                "start_month": _month_label(plan.start_month),
                "included_month": _month_label(plan.included_month),
                "status": status,
                "completed_on": completed_on,
            }
            current = _CURRENT_REVISION.get(label, 1)
            self.stats_rows[(label, current)].append(row)
            if current == 1 or (
                "added_in_revision_2" in plan.traits and month == plan.included_month
            ):
                continue
            older = {**row, "completed_investment_ytd_wan": round(ytd * 0.97, 1)}
            if "premature_production" in plan.traits and month == LAST_STATS_PERIOD:
                older.update(
                    status="全部投产",
                    completed_on=self._day(date(2025, 6, 1), SCENARIO_TODAY).isoformat(),
                )
            self.stats_rows[(label, 1)].append(older)

    def _finish_stats_periods(self) -> list[StatsPeriod]:
        periods = []
        for month in range(FIRST_STATS_PERIOD, LAST_STATS_PERIOD + 1):
            label = _month_label(month)
            current = _CURRENT_REVISION.get(label, 1)
            for revision in range(1, current + 1):
                rows = sorted(
                    self.stats_rows.get((label, revision), []), key=lambda r: r["stat_project_id"]
                )
                is_current = revision == current
                closed = is_current and month < _FIRST_OPEN_PERIOD
                periods.append(StatsPeriod(label, revision, closed, rows, current=is_current))
        return periods

    # ------------------------------------------------------------------ commerce

    def _emit_commerce(self, plan: _Plan) -> None:
        if not plan.commerce_known:
            return
        rng = self.rng
        known_elsewhere = bool(self.known_to[plan.pid] - {"commerce"})
        registered_share = {"negotiating": 0.2, "signed": 0.6, "terminated": 0.3}.get(
            plan.stage, 0.8
        )
        plan.commerce_shows_company = company_shown = (
            known_elsewhere or rng.random() < registered_share
        )
        investor = plan.investor
        province, city = investor.origin_province, investor.origin_city
        if plan.stage == "negotiating" and investor.capital_type == "内资" and rng.random() < 0.05:
            province = city = None  # not asked yet
        investor_uscc = investor.uscc
        if plan.stage in ("negotiating", "terminated") and rng.random() < 0.5:
            investor_uscc = None
        total, unit = self._commerce_amount(plan.investment_wan)
        foreign_usd = None
        if investor.capital_type == "外资":
            foreign_usd = int(plan.investment_wan / 7.1 * rng.uniform(0.3, 1.0))
        change_day = self._commerce_change_day(plan)
        updated = change_day if plan.commerce_stage == "已终止" else self._after(change_day, 0, 20)
        project_name, investor_name, company_name = (
            f"{plan.title}项目",
            investor.name,
            plan.company_name,
        )
        names = self._names("commerce")
        if names is not None:
            project_name = names.project(self._title(plan), "项目")
            investor_name = names.investor(investor)
            if company_shown:
                company_name = names.company(plan.company_name)
        record = {
            "project_no": self._new_project_no(plan.negotiation_on.year),
            "project_name": self._styled(project_name, "commerce"),
            "investor_name": investor_name,
            "investor_uscc": investor_uscc,
            "project_company_name": self._styled(company_name, "commerce")
            if company_shown
            else None,
            "project_company_uscc": plan.company_uscc if company_shown else None,
            "origin_country": investor.origin_country,
            "origin_province": province,
            "origin_city": city,
            "capital_type": investor.capital_type,
            "industry_category": plan.industry_category,
            "industry_chain": plan.chain.name if plan.chain else None,
            "is_manufacturing": plan.is_manufacturing,
            "total_investment": total,
            "investment_unit": unit,
            "foreign_investment_usd": foreign_usd,
            "district_code": plan.district.code,
            "stage": plan.commerce_stage,
            "negotiation_started_on": _commerce_date(plan.negotiation_on, rng)
            if plan.commerce_negotiation_filled
            else None,
            "signed_on": _commerce_date(plan.signed_on, rng)
            if plan.commerce_signed_on_filled
            else None,
            "project_code": plan.project_code if known_elsewhere and rng.random() < 0.4 else None,
            "contact_person": rng.choice(_SURNAMES) + rng.choice(_GIVEN_NAMES),
            "contact_phone": "1"
            + rng.choice("358")
            + "".join(rng.choice("0123456789") for _ in range(9)),
            "is_deleted": False,
            "updated_at": self._at(updated, time(8, 30), time(19, 0)).isoformat(),
        }
        if self.realistic:
            # Commerce knows the investor group (its USCC as above); the project company's
            # USCC rarely, the national project code late or never.
            if company_shown and self.key_rng.random() >= _COMMERCE_COMPANY_USCC_SHARE:
                record["project_company_uscc"] = None
            record["project_code"] = (
                plan.project_code
                if known_elsewhere and self.key_rng.random() < _COMMERCE_CODE_SHARE
                else None
            )
        self._own("commerce", record["project_no"], plan.pid)
        self._noted("commerce", record["project_no"], names)
        self.commerce_records.append(record)
        self.main_commerce_record[plan.pid] = record

    def _commerce_change_day(self, plan: _Plan) -> date:
        """The day commerce last moved the record (its stage, or the signing it wrote down)."""
        stage = plan.commerce_stage
        if stage == "已终止":
            return plan.terminated_on
        if stage == "已开工":
            return self._after(plan.construction_on or plan.landed_on, 0, 60)
        if stage == "已落地":
            return self._after(plan.landed_on, 0, 60)
        if stage == "已签约" or plan.commerce_signed_on_filled:
            return plan.signed_on
        return plan.negotiation_on

    def _commerce_amount(self, wan: int) -> tuple[Any, str]:
        """The figure as the platform holds it: a number, a string with thousands
        separators, or 亿元 (``"60"``, ``12.5``)."""
        roll = self.rng.random()
        if wan >= 10_000 and roll < 0.25:
            yi = Decimal(wan) / 10_000
            text = format(yi, "f")
            if self.rng.random() < 0.6:
                return text, "亿元"
            return (int(yi) if yi == int(yi) else float(text)), "亿元"
        if roll < 0.6:
            return wan, "万元"
        return f"{wan:,}", "万元"

    def _emit_soft_deleted_duplicates(self, plans: list[_Plan]) -> None:
        """Records entered twice and deleted: linkable by the company USCC, and claiming a
        stage ahead of the truth (or an earlier signing) that must not count."""
        pool = [p for p in plans if p.commerce_shows_company]
        for plan in self.rng.sample(pool, self._count(0.05, len(pool))):
            plan.traits.add("soft_deleted_duplicate")
            duplicate = copy.deepcopy(self.main_commerce_record[plan.pid])
            ahead = {
                "negotiating": ("已签约", "已落地"),
                "signed": ("已落地", "已开工"),
                "landed": ("已开工",),
                "terminated": ("已落地", "已开工"),
            }.get(plan.stage, ("已开工",))
            earlier_signing = self._before(plan.signed_on or plan.negotiation_on, 30, 200)
            duplicate.update(
                project_no=self._new_project_no(plan.negotiation_on.year),
                stage=self.rng.choice(ahead),
                signed_on=_commerce_date(earlier_signing, self.rng),
                is_deleted=True,
                updated_at=self._at(
                    self._after(plan.negotiation_on, 5, 400), time(8, 30), time(19, 0)
                ).isoformat(),
            )
            self._own("commerce", duplicate["project_no"], plan.pid, non_evidence="soft_deleted")
            kinds = self.name_variations.get(
                ("commerce", self.main_commerce_record[plan.pid]["project_no"])
            )
            if kinds:
                self.name_variations[("commerce", duplicate["project_no"])] = kinds
            self.commerce_records.append(duplicate)

    # ------------------------------------------------------------------ hard matching

    def _hide_exact_keys(self) -> None:
        """Take the linking keys off a fraction of commerce, land and stats records.

        Done last, with its own random stream, so every other draw — and so the truth — is
        the same as without it. Approval keeps its keys: the code and USCC are what it is.
        """
        hidden = self.hard_rng
        rate = self.hard_match_rate
        for record in self.commerce_records:
            is_bad = ("commerce", record["project_no"]) in self.bad_records
            if not is_bad and hidden.random() < rate:
                record["project_company_uscc"] = None
                record["project_code"] = None
        parcels_hidden: dict[str, bool] = {}
        for _, _, row in self.land_rows:
            parcel = row["宗地编号"]
            if ("land", parcel) in self.bad_records:
                continue
            if parcel not in parcels_hidden:
                parcels_hidden[parcel] = hidden.random() < rate
            if parcels_hidden[parcel]:
                row["项目代码"] = row["统一社会信用代码"] = ""
        # The roster's reporting unit becomes a sibling entity, without the project code.
        stand_ins: dict[str, tuple[str, str] | None] = {}
        for rows in self.stats_rows.values():
            for row in rows:
                stat_id = row["stat_project_id"]
                if ("stats", stat_id) in self.bad_records:
                    continue
                if stat_id not in stand_ins:
                    stand_ins[stat_id] = None
                    if hidden.random() < rate:
                        sibling = _sibling_unit(row["legal_unit_name"])
                        stand_ins[stat_id] = (sibling, self._new_uscc(row["district_code"], hidden))
                if stand_ins[stat_id]:
                    row["legal_unit_name"], row["legal_unit_uscc"] = stand_ins[stat_id]
                    row["project_code"] = None

    # ------------------------------------------------------------------ bad records

    def _bad_count(self, records: int) -> int:
        return int(self.bad_rate * records + 0.5)

    def _pick_reasons(self) -> list[str]:
        """One or two reasons; never both amount reasons, which would break the same field."""
        while True:
            chosen = self.rng.sample(REASON_CODES, 1 if self.rng.random() < 0.7 else 2)
            if not {"negative_amount", "invalid_amount"} <= set(chosen):
                return sorted(chosen, key=REASON_CODES.index)

    def _wrong_check(self, uscc: str) -> str:
        return uscc[:17] + self.rng.choice([c for c in USCC_ALPHABET if c != uscc[17]])

    def _malformed_code(self, code: str) -> str:
        year, district, industry, kind, serial = code.split("-")
        return self.rng.choice(
            (
                f"{year}-{district[:5]}-{industry}-{kind}-{serial}",  # 5-digit division
                f"{year}-{district}-{industry}-{kind}_{serial}",  # wrong separator
                f"{year}{district}{industry}{kind}{serial}",  # dashes lost
                f"{year}-{district}-{industry}-{kind}-{serial[:4]}",  # short serial
            )
        )

    def _unknown_district_code(self) -> str:
        for suffix in range(99, 0, -1):
            candidate = f"3702{suffix:02d}"
            if candidate not in self.known_district_codes:
                return candidate
        raise RuntimeError("no unknown district code left")

    def _unknown_district_label(self) -> str:
        for label in ("海青新区", "红岛区", "鳌山新区", "胶南区"):
            if label not in self.known_district_labels:
                return label
        raise RuntimeError("no unknown district name left")

    def _sample_code(self) -> str:
        return f"2024-{self.reference.districts[0].code}-27-03-{self.rng.randint(0, 999_999):06d}"

    def _add_bad_commerce(self) -> None:
        sources = [r for r in self.commerce_records if not r["is_deleted"]]
        for _ in range(self._bad_count(len(self.commerce_records)) if sources else 0):
            record = copy.deepcopy(self.rng.choice(sources))
            record["project_no"] = self._new_project_no(int(record["updated_at"][:4]))
            reasons = self._pick_reasons()
            for reason in reasons:
                if reason == "invalid_uscc":
                    target = (
                        "project_company_uscc"
                        if record["project_company_uscc"] or not record["investor_uscc"]
                        else "investor_uscc"
                    )
                    record[target] = self._wrong_check(
                        record[target] or self._new_uscc(record["district_code"])
                    )
                elif reason == "invalid_project_code":
                    record["project_code"] = self._malformed_code(
                        record["project_code"] or self._sample_code()
                    )
                elif reason == "unknown_district":
                    record["district_code"] = self._unknown_district_code()
                elif reason == "invalid_date":
                    target = self.rng.choice(("signed_on", "negotiation_started_on"))
                    record[target] = self.rng.choice(
                        ("2024-02-30", "2024/13/01", "20240230", "2023/2/29")
                    )
                elif reason == "negative_amount":
                    record["total_investment"] = -self.rng.randint(10, 3000) * 100
                    record["investment_unit"] = "万元"
                else:
                    record["total_investment"] = self.rng.choice(("abc", "待定"))
            self._own("commerce", record["project_no"], None)
            self.bad_records[("commerce", record["project_no"])] = reasons
            self.commerce_records.append(record)

    def _add_bad_approval(self) -> None:
        sources = [
            e
            for e in self.pending_events
            if e.fields["decision"] == "准予" and e.supersedes is None
        ]
        for _ in range(self._bad_count(len(self.pending_events)) if sources else 0):
            source = self.rng.choice(sources)
            fields = copy.deepcopy(source.fields)
            reasons = self._pick_reasons()
            for reason in reasons:
                if reason == "invalid_uscc":
                    fields["applicant_uscc"] = self._wrong_check(fields["applicant_uscc"])
                elif reason == "invalid_project_code":
                    fields["project_code"] = self._malformed_code(fields["project_code"])
                elif reason == "unknown_district":
                    fields["district_code"] = self._unknown_district_code()
                elif reason == "invalid_date":
                    fields["decided_at"] = (
                        f"{source.decided.year}-02-30T{source.decided:%H:%M:%S}+08:00"
                    )
                elif reason == "negative_amount":
                    fields["total_investment_wan"] = -abs(fields["total_investment_wan"])
                else:
                    fields["total_investment_wan"] = "abc"
            self.pending_events.append(
                _PendingEvent(
                    source.decided, fields, None, source.document_kind, bad_reasons=reasons
                )
            )

    def _add_bad_land(self) -> None:
        sources = [entry for entry in self.land_rows if entry[2]["状态"] == "有效"]
        parcels = len({entry[2]["宗地编号"] for entry in self.land_rows})
        for _ in range(self._bad_count(parcels) if sources else 0):
            updated, _, source = self.rng.choice(sources)
            row = dict(source)
            district_code, year = row["宗地编号"].split("-")[:2]
            row["宗地编号"] = self._new_parcel_id(district_code, int(year))
            reasons = self._pick_reasons()
            for reason in reasons:
                if reason == "invalid_uscc":
                    row["统一社会信用代码"] = self._wrong_check(
                        row["统一社会信用代码"] or self._new_uscc(district_code)
                    )
                elif reason == "invalid_project_code":
                    row["项目代码"] = self._malformed_code(row["项目代码"] or self._sample_code())
                elif reason == "unknown_district":
                    row["行政区划"] = self._unknown_district_label()
                elif reason == "invalid_date":
                    row["合同签订日期"] = self.rng.choice(
                        ("2024年2月30日", "2024-02-30", "2023年13月1日")
                    )
                elif reason == "negative_amount":
                    row["供地面积（公顷）"] = "-" + row["供地面积（公顷）"]
                else:
                    row["成交价款（万元）"] = self.rng.choice(("abc", "待定"))
            self._own("land", row["宗地编号"], None)
            self.bad_records[("land", row["宗地编号"])] = reasons
            self._add_land_row(updated, row)

    def _add_bad_stats(self) -> None:
        owned = {
            key for (system, key), owner in self.record_owner.items() if system == "stats" and owner
        }
        served = [
            (label, revision, row)
            for (label, revision), rows in self.stats_rows.items()
            if revision == _CURRENT_REVISION.get(label, 1)
            for row in rows
            if row["stat_project_id"] in owned
        ]
        served.sort(key=lambda entry: (entry[0], entry[2]["stat_project_id"]))
        for _ in range(self._bad_count(len(owned)) if served else 0):
            label, revision, source = self.rng.choice(served)
            row = dict(source)
            row["stat_project_id"] = self._new_stat_id(row["district_code"])
            reasons = self._pick_reasons()
            for reason in reasons:
                if reason == "invalid_uscc":
                    row["legal_unit_uscc"] = self._wrong_check(row["legal_unit_uscc"])
                elif reason == "invalid_project_code":
                    row["project_code"] = self._malformed_code(
                        row["project_code"] or self._sample_code()
                    )
                elif reason == "unknown_district":
                    row["district_code"] = self._unknown_district_code()
                elif reason == "invalid_date":
                    target, value = self.rng.choice(
                        (
                            ("start_month", "2024-13"),
                            ("included_month", "2024-00"),
                            ("completed_on", "2024-02-30"),
                        )
                    )
                    row[target] = value
                elif reason == "negative_amount":
                    row["planned_investment_wan"] = -abs(row["planned_investment_wan"])
                else:
                    row["completed_investment_ytd_wan"] = "abc"
            self._own("stats", row["stat_project_id"], None)
            self.bad_records[("stats", row["stat_project_id"])] = reasons
            self.stats_rows[(label, revision)].append(row)

    # ------------------------------------------------------------------ truth

    def _true_project(self, plan: _Plan) -> TrueProject:
        reached = STAGES.index(plan.stage)
        commerce = plan.commerce_known
        if plan.stage in _IN_STATS:
            planned = plan.stats_planned_wan
        elif plan.stage in _LANDED_OR_LATER:
            planned = plan.filed_investment_wan
        else:
            planned = plan.investment_wan
        return TrueProject(
            true_project_id=plan.pid,
            stage=plan.stage,
            commerce_stage=plan.commerce_stage,
            negotiation_started_on=plan.negotiation_on
            if commerce and plan.commerce_negotiation_filled
            else None,
            signed_on=plan.signed_on if commerce and plan.commerce_signed_on_filled else None,
            landed_on=plan.landed_on if plan.stage in _LANDED_OR_LATER else None,
            construction_started_on=(
                plan.construction_on
                if STAGES.index("under_construction") <= reached < STAGES.index("terminated")
                and "commerce_only_construction" not in plan.traits
                else None
            ),
            stats_included_month=_month_label(plan.included_month)
            if plan.stage in _IN_STATS
            else None,
            production_on=plan.production_on,
            terminated_on=plan.terminated_on if plan.stage == "terminated" else None,
            signed_investment_wan=plan.investment_wan if commerce else None,
            planned_investment_wan=planned,
            district_code=plan.district.code,
            project_code=plan.project_code,
            company_name=plan.company_name,
            company_uscc=plan.company_uscc,
            sources=tuple(s for s in SOURCE_SYSTEMS if s in self.served_sources[plan.pid]),
            traits=tuple(sorted(plan.traits)),
        )


# ----------------------------------------------------------------------------- formatting

# The commerce stage that says as much as the true stage (the furthest commerce can say).
_COMMERCE_EQUIVALENT = {
    "signed": "已签约",
    "landed": "已落地",
    "under_construction": "已开工",
    "in_statistics": "已开工",
    "in_production": "已开工",
}


def _sibling_unit(name: str) -> str:
    """A sibling entity's name: 海瑞科技（青岛）有限公司 → 海瑞科技（青岛）建设管理有限公司."""
    if "有限公司" in name:
        return name.replace("有限公司", "建设管理有限公司", 1)
    cut = name.rfind("公司")  # a clerk's 公司 for 有限公司 (name_variation="realistic")
    return name[:cut] + "建设管理有限公司" + name[cut + 2 :] if cut >= 0 else name + "建设管理"


def _record_key_order(item: tuple[tuple[str, str], Any]) -> tuple[int, str]:
    (system, key), _ = item
    return SOURCE_SYSTEMS.index(system), key


def _commerce_date(day: date, rng: random.Random) -> str:
    """Any of the platform's three date forms."""
    return rng.choice(
        (day.isoformat(), f"{day.year}/{day.month}/{day.day}", day.strftime("%Y%m%d"))
    )


def _land_date(day: date, rng: random.Random) -> str:
    return day.isoformat() if rng.random() < 0.5 else f"{day.year}年{day.month}月{day.day}日"


def _document_no(kind: str, year: int, number: int, district_code: str, decided: datetime) -> str:
    if kind == "项目备案":
        return f"青审批投资备〔{year}〕{number}号"
    if kind == "项目核准":
        return f"青审批投资核〔{year}〕{number}号"
    if kind == "建设用地规划许可":
        return f"地字第{district_code}{year}{number:05d}号"
    if kind == "建设工程规划许可":
        return f"建字第{district_code}{year}{number:05d}号"
    if kind == "施工许可":
        return f"{district_code}{decided:%Y%m%d}{number:04d}"
    if kind == "不予":
        return f"青审批不予〔{year}〕{number}号"
    return f"青审批撤〔{year}〕{number}号"
