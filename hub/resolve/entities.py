"""Entities: what the scorer compares. Records sharing a national project code are one
entity from the start (rule 1 of resolution: the same code is the same project, and two
different codes never merge); every record without a code is an entity of its own.

An entity carries the features of all its records at once (names as ``NameKey``, company
and investor USCCs, districts, amounts by department, dates), so a code group of twelve
approval events is compared once, not twelve times.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from hub.resolve.names import NameKey, name_key
from hub.resolve.records import MatchRecord


@dataclass(slots=True)
class Entity:
    index: int
    records: list[MatchRecord]
    code: str | None
    companies: frozenset[str]
    investors: frozenset[str]
    districts: frozenset[str]
    project_names: tuple[NameKey, ...]
    company_names: tuple[NameKey, ...]
    investor_names: tuple[NameKey, ...]
    phases: frozenset[int]
    amounts: dict[str, float]  # department → its figure (the largest, if several)
    commerce_signed: date | None  # earliest commerce date
    others_first: date | None  # earliest date of any other department
    live_commerce: int  # commerce records that are evidence: a project has one
    stats_records: int  # a project has one roster entry

    @property
    def representative(self) -> MatchRecord:
        """The record a steward is shown for this entity: its first evidence record."""
        evidence = [r for r in self.records if r.is_evidence] or self.records
        return min(evidence, key=lambda r: r.key)


def build_entities(records: Iterable[MatchRecord]) -> list[Entity]:
    """Code groups and codeless singletons, in a deterministic order (by first key)."""
    by_code: dict[str, list[MatchRecord]] = defaultdict(list)
    groups: list[list[MatchRecord]] = []
    for record in records:
        if record.project_code:
            by_code[record.project_code].append(record)
        else:
            groups.append([record])
    groups.extend(by_code.values())
    for group in groups:
        group.sort(key=lambda r: r.key)
    groups.sort(key=lambda g: g[0].key)
    return [_entity(index, group) for index, group in enumerate(groups)]


def _distinct_keys(names: Iterable[str | None]) -> tuple[NameKey, ...]:
    keys: dict[str, NameKey] = {}
    for name in names:
        if name:
            key = name_key(name)
            if key.text or key.latin:
                keys.setdefault(key.text + "|" + key.latin + "|" + str(key.phase), key)
    return tuple(keys.values())


def _entity(index: int, records: list[MatchRecord]) -> Entity:
    project_names = _distinct_keys(r.project_name for r in records)
    amounts: dict[str, float] = {}
    commerce_dates: list[date] = []
    other_dates: list[date] = []
    for r in records:
        if r.amount_wan is not None and r.amount_wan > 0:
            amounts[r.source_system] = max(amounts.get(r.source_system, 0.0), float(r.amount_wan))
        if r.first_on is not None:
            (commerce_dates if r.source_system == "commerce" else other_dates).append(r.first_on)
    return Entity(
        index=index,
        records=records,
        code=records[0].project_code,
        companies=frozenset(r.company_uscc for r in records if r.company_uscc),
        investors=frozenset(r.investor_uscc for r in records if r.investor_uscc),
        districts=frozenset(r.district_code for r in records if r.district_code),
        project_names=project_names,
        company_names=_distinct_keys(r.company_name for r in records),
        investor_names=_distinct_keys(r.investor_name for r in records),
        phases=frozenset(k.phase for k in project_names if k.phase is not None),
        amounts=amounts,
        commerce_signed=min(commerce_dates, default=None),
        others_first=min(other_dates, default=None),
        live_commerce=sum(1 for r in records if r.source_system == "commerce" and r.is_evidence),
        stats_records=sum(1 for r in records if r.source_system == "stats"),
    )


def investors_by_company(records: Iterable[MatchRecord]) -> dict[str, frozenset[str]]:
    """Company USCC → the investor groups commerce shows behind it (company evidence)."""
    owners: dict[str, set[str]] = defaultdict(set)
    for r in records:
        if r.source_system == "commerce" and r.company_uscc and r.investor_uscc:
            owners[r.company_uscc].add(r.investor_uscc)
    return {company: frozenset(investors) for company, investors in owners.items()}
