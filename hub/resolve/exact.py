"""Exact-key resolution: project code first, then the project company's USCC.

The rules, in order:

1. Records carrying the same national project code are one project. Two different codes
   are never merged by anything else.
2. A record without a code joins the code-group whose records carry its company USCC —
   when exactly one such group exists (method ``uscc_name``). A USCC shared by several
   groups (one company, several projects) is ambiguous and links nothing.
3. Remaining records without a code are grouped by company USCC among themselves.
4. A group needs at least one record that is lifecycle evidence to become a project;
   records that are not evidence (soft-deleted, withdrawn, revoked…) only join groups.

Then groups are mapped onto hub project ids so ids stay stable: a group whose records
were already linked keeps that id; a group spanning several ids keeps the smallest and
retires the others into it; a new group gets a new id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hub.resolve.names import name_similarity

RecordKey = tuple[str, str]  # (source_system, source_key)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A current source record as the resolver sees it."""

    source_system: str
    source_key: str
    project_code: str | None
    company_uscc: str | None
    name: str | None
    is_evidence: bool

    @property
    def key(self) -> RecordKey:
        return (self.source_system, self.source_key)


@dataclass(frozen=True, slots=True)
class Link:
    hub_project_id: int
    match_method: str  # project_code | uscc_name | new | steward
    match_score: float


@dataclass
class Resolution:
    links: dict[RecordKey, Link] = field(default_factory=dict)
    new_project_ids: list[int] = field(default_factory=list)
    retired: dict[int, int] = field(default_factory=dict)  # retired id → surviving id


@dataclass
class _Group:
    members: list[SourceRef] = field(default_factory=list)
    methods: dict[RecordKey, tuple[str, float]] = field(default_factory=dict)

    def add(self, ref: SourceRef, method: str, score: float) -> None:
        self.members.append(ref)
        self.methods[ref.key] = (method, score)


def group_records(refs: Iterable[SourceRef]) -> list[_Group]:
    """Rules 1–4: partition records into project groups (order-independent)."""
    ordered = sorted(refs, key=lambda r: r.key)
    by_code: dict[str, _Group] = {}
    codeless: list[SourceRef] = []
    for ref in ordered:
        if ref.project_code:
            by_code.setdefault(ref.project_code, _Group()).add(ref, "project_code", 1.0)
        else:
            codeless.append(ref)

    groups_by_uscc: dict[str, set[str]] = defaultdict(set)
    for code, group in by_code.items():
        for member in group.members:
            if member.company_uscc:
                groups_by_uscc[member.company_uscc].add(code)

    by_uscc: dict[str, _Group] = {}
    unkeyed: list[_Group] = []
    for ref in codeless:
        codes = groups_by_uscc.get(ref.company_uscc or "", set())
        if len(codes) == 1:
            group = by_code[next(iter(codes))]
            best = max(name_similarity(ref.name, m.name) for m in group.members)
            group.add(ref, "uscc_name", round(best, 4))
        elif ref.company_uscc and not codes:
            by_uscc.setdefault(ref.company_uscc, _Group()).add(ref, "uscc_name", 1.0)
        else:
            single = _Group()
            single.add(ref, "new", 1.0)
            unkeyed.append(single)

    groups = [*by_code.values(), *by_uscc.values(), *unkeyed]
    for group in groups:
        if len(group.members) == 1:
            group.methods[group.members[0].key] = ("new", 1.0)
    return [g for g in groups if any(m.is_evidence for m in g.members)]


def assign_project_ids(
    groups: list[_Group],
    existing_links: Mapping[RecordKey, int],
    redirects: Mapping[int, int],
    allocate_ids,
) -> Resolution:
    """Map groups onto stable hub project ids.

    Args:
        groups: output of ``group_records``.
        existing_links: current links, record → hub project id.
        redirects: retired id → the id it was merged into.
        allocate_ids: ``callable(n) -> list[int]`` giving n fresh ids (a DB sequence).
    """

    def live(project_id: int) -> int:
        seen = set()
        while project_id in redirects and project_id not in seen:
            seen.add(project_id)
            project_id = redirects[project_id]
        return project_id

    resolution = Resolution()
    claims: dict[int, list[tuple[int, int, _Group]]] = defaultdict(list)
    unclaimed: list[_Group] = []
    for group in groups:
        previous = [live(existing_links[m.key]) for m in group.members if m.key in existing_links]
        if not previous:
            unclaimed.append(group)
            continue
        survivor = min(previous)
        for other in sorted(set(previous) - {survivor}):
            resolution.retired[other] = survivor
        claims[survivor].append((previous.count(survivor), len(group.members), group))

    # A group that split keeps its id with the part holding most of its old records.
    for project_id, contenders in claims.items():
        contenders.sort(key=lambda c: (-c[0], -c[1], min(m.key for m in c[2].members)))
        _link_group(resolution, contenders[0][2], project_id)
        unclaimed.extend(c[2] for c in contenders[1:])

    unclaimed.sort(key=lambda g: min(m.key for m in g.members))
    fresh = allocate_ids(len(unclaimed)) if unclaimed else []
    for project_id, group in zip(fresh, unclaimed, strict=True):
        resolution.new_project_ids.append(project_id)
        _link_group(resolution, group, project_id)
    # A retired id that still won a group (it was the survivor elsewhere) is not retired.
    for project_id in {link.hub_project_id for link in resolution.links.values()}:
        resolution.retired.pop(project_id, None)
    return resolution


def _link_group(resolution: Resolution, group: _Group, project_id: int) -> None:
    for member in group.members:
        method, score = group.methods[member.key]
        resolution.links[member.key] = Link(project_id, method, score)
