"""The model's own records, before any department writes about them: an investor, a
project's plan, a pending approval event; and the words names are made of (shared by the
planning and every department)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hub.sandbox.scenario.reference import District, IndustryChain


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
_NAME_STYLES = {
    "commerce": (("full", 7), ("half", 2), ("spaced", 1)),
    "approval": (("full", 9), ("spaced", 1)),
    "land": (("full", 5), ("half", 2), ("spaced", 3)),
    "stats": (("half", 7), ("full", 3)),
}
