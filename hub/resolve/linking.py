"""Which entities are one project: blocks → scored candidates → constrained merging.

1. **Blocks.** Only entities that share a block are compared, never all pairs: the same
   company USCC; a company USCC whose investor group (as commerce shows it) is the other's
   investor; or the same district and the same start of a normalised name (``block_key``:
   the brand, in pinyin, so Chinese and pinyin spellings meet). Within a name block only
   pairs whose names are at all alike (a C-speed rapidfuzz pass) are scored.
2. **Scores** (``scoring.score_pair``): a match weight and its probability.
3. **Merging**, best pair first, under constraints that hold for a whole cluster, not just
   the pair: at most one project code, one live commerce record, one roster entry, one
   phase and one district; and no steward cannot-link between the two sides. Above
   ``upper`` a pair merges by itself; between ``lower`` and ``upper`` it becomes a review
   candidate; below, the entities stay apart.
4. **Stewards** override the model both ways: an accepted candidate is a must-link, merged
   before any scoring (constraints notwithstanding — the steward has looked); a rejected one
   is a cannot-link no later score can cross.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from hub.resolve.entities import Entity, build_entities, investors_by_company
from hub.resolve.records import MatchRecord, RecordKey
from hub.resolve.scoring import PairScore, score_pair, weight_of

UPPER = 0.95  # link automatically at or above
LOWER = 0.60  # keep apart below; in between, ask a steward
MAX_BLOCK = 400  # a name block larger than this is compared by sorted neighbourhood only
NEIGHBOURHOOD = 25
NAME_PREFILTER = 75  # rapidfuzz partial-ratio floor (on pinyin) before a pair is scored
NEAREST = 3  # a name is compared with at most this many of the most alike in its block


@dataclass(frozen=True, slots=True)
class StewardDecision:
    record: RecordKey
    target: RecordKey  # a record of the project the steward was shown
    accept: bool


@dataclass(frozen=True, slots=True)
class Candidate:
    """A pair a steward should settle: ``record`` (and its cluster) into ``target``'s."""

    record: RecordKey
    target: RecordKey
    score: float
    evidence: dict


@dataclass
class Cluster:
    records: list[MatchRecord]
    methods: dict[RecordKey, tuple[str, float]]


@dataclass
class Linkage:
    clusters: list[Cluster]
    candidates: list[Candidate]
    stats: dict[str, int] = field(default_factory=dict)
    name_blocks: dict[RecordKey, list[int]] = field(default_factory=dict)  # of its entity


class _Clusters:
    """Union-find over entities, keeping each cluster's constraint state at its root."""

    def __init__(self, entities: Sequence[Entity], cannot: dict[RecordKey, set[RecordKey]]):
        self.parent = list(range(len(entities)))
        self.members: dict[int, list[int]] = {e.index: [e.index] for e in entities}
        self.codes = {e.index: {e.code} - {None} for e in entities}
        self.commerce = {e.index: e.live_commerce for e in entities}
        self.stats = {e.index: e.stats_records for e in entities}
        self.phases = {e.index: set(e.phases) for e in entities}
        self.districts = {e.index: set(e.districts) for e in entities}
        self.entities = entities
        self.cannot = cannot
        self.entity_of: dict[RecordKey, int] = {r.key: e.index for e in entities for r in e.records}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def allowed(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if len(self.codes[ra] | self.codes[rb]) > 1:
            return False
        if self.commerce[ra] + self.commerce[rb] > 1 or self.stats[ra] + self.stats[rb] > 1:
            return False
        if len(self.phases[ra] | self.phases[rb]) > 1:
            return False
        if len(self.districts[ra] | self.districts[rb]) > 1:
            return False
        return not self.cannot_linked(ra, rb)

    def cannot_linked(self, ra: int, rb: int) -> bool:
        small, large = sorted((ra, rb), key=lambda r: len(self.members[r]))
        for index in self.members[small]:
            for record in self.entities[index].records:
                for other in self.cannot.get(record.key, ()):
                    entity = self.entity_of.get(other)
                    if entity is not None and self.find(entity) == large:
                        return True
        return False

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        self.codes[ra] |= self.codes.pop(rb)
        self.commerce[ra] += self.commerce.pop(rb)
        self.stats[ra] += self.stats.pop(rb)
        self.phases[ra] |= self.phases.pop(rb)
        self.districts[ra] |= self.districts.pop(rb)

    def size(self, root: int) -> int:
        return sum(len(self.entities[i].records) for i in self.members[root])


def candidate_pairs(
    entities: Sequence[Entity], investors_of: dict[str, frozenset[str]]
) -> set[tuple[int, int]]:
    """Entity pairs that share a block (i < j), never two code groups with different codes."""
    by_uscc: dict[str, list[int]] = defaultdict(list)
    by_name: dict[tuple[str, str, str], list[tuple[int, str]]] = defaultdict(list)
    companies_of: dict[str, set[str]] = defaultdict(set)
    for company, investors in investors_of.items():
        for investor in investors:
            companies_of[investor].add(company)
    for e in entities:
        usccs = set(e.companies)
        for investor in e.investors:
            usccs |= companies_of.get(investor, set())
        for uscc in usccs:
            by_uscc[uscc].append(e.index)
        for block, text in name_blocks(e).items():
            by_name[block].append((e.index, text))

    pairs: set[tuple[int, int]] = set()

    def add(i: int, j: int) -> None:
        if i == j:
            return
        a, b = entities[i], entities[j]
        if a.code and b.code:
            return  # two code groups: different codes by construction
        pairs.add((i, j) if i < j else (j, i))

    for members in by_uscc.values():
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                add(i, j)
    for members in by_name.values():
        _name_block_pairs(members, entities, add)
    return pairs


def name_blocks(e: Entity) -> dict[tuple[str, str, str], str]:
    """The name blocks an entity is in, each with the text it is compared by there: project
    names meet project names, company names meet company and investor names, within a
    district (``?`` when it has none)."""
    keys: dict[tuple[str, str], str] = {}
    for kind, names in (
        ("project", e.project_names),
        ("company", (*e.company_names, *e.investor_names)),
    ):
        for key in names:
            if key.block_key:  # pinyin meets pinyin, whatever the script written
                keys.setdefault((kind, key.block_key), key.latin)
    return {
        (kind, district, block_key): text
        for district in sorted(e.districts or {"?"})
        for (kind, block_key), text in keys.items()
    }


def name_block_ids(e: Entity) -> list[int]:
    """The entity's name blocks as stable 32-bit ids (CRC-32, signed for PostgreSQL's int):
    what a publish keeps to find, next time, the records that shared a block with a changed
    one. Two blocks with one id only make that search wider, never wrong."""
    ids = {zlib.crc32("\x1f".join(block).encode()) for block in name_blocks(e)}
    return sorted(i - (1 << 32) if i >= 1 << 31 else i for i in ids)


def _name_block_pairs(members: list[tuple[int, str]], entities: Sequence[Entity], add) -> None:
    if len(members) < 2:
        return
    if len(members) > MAX_BLOCK:
        members = sorted(members, key=lambda m: m[1])
        for x, (i, _) in enumerate(members):
            for j, _ in members[x + 1 : x + 1 + NEIGHBOURHOOD]:
                add(i, j)
        return
    texts = [text for _, text in members]
    similar = process.cdist(texts, texts, scorer=fuzz.partial_ratio, score_cutoff=NAME_PREFILTER)
    coded = np.array([entities[i].code is not None for i, _ in members])
    similar[np.outer(coded, coded)] = 0  # two code groups never merge: no slot for them
    np.fill_diagonal(similar, 0)
    # Each name meets only its NEAREST most alike names in the block: blocks grow with the
    # city (a brand key is shared by more and more projects), the pairs scored must not.
    nearest = min(NEAREST, len(members) - 1)
    best = np.argpartition(-similar, nearest - 1, axis=1)[:, :nearest]
    for x, row in enumerate(best):
        for y in row:
            if similar[x, y]:
                add(members[x][0], members[int(y)][0])


def link_records(
    records: Iterable[MatchRecord],
    decisions: Iterable[StewardDecision] = (),
    *,
    upper: float = UPPER,
    lower: float = LOWER,
) -> Linkage:
    """Partition records into project clusters, and the pairs a steward should settle."""
    records = list(records)
    entities = build_entities(records)
    investors_of = investors_by_company(records)
    decisions = list(decisions)
    cannot: dict[RecordKey, set[RecordKey]] = defaultdict(set)
    for d in decisions:
        if not d.accept:
            cannot[d.record].add(d.target)
            cannot[d.target].add(d.record)
    clusters = _Clusters(entities, cannot)
    edge: dict[int, tuple[str, float]] = {}  # entity → how it was linked (best edge)

    steward_linked: set[RecordKey] = set()
    for d in decisions:
        a, b = clusters.entity_of.get(d.record), clusters.entity_of.get(d.target)
        if d.accept and a is not None and b is not None:
            clusters.union(a, b)
            edge[a] = ("steward", 1.0)
            steward_linked.add(d.record)

    pairs = candidate_pairs(entities, investors_of)
    scored: list[tuple[float, int, int, PairScore]] = []
    for i, j in pairs:
        score = score_pair(entities[i], entities[j], investors_of)
        if score.veto is None and score.probability >= lower:
            scored.append((score.weight, i, j, score))
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))

    upper_weight = weight_of(upper)
    gray: list[tuple[int, int, PairScore]] = []
    for weight, i, j, score in scored:
        if weight < upper_weight:
            gray.append((i, j, score))
        elif clusters.allowed(i, j):
            clusters.union(i, j)
            method = _method(score)
            for index in (i, j):
                known = edge.get(index)
                if known is None or (known[0] != "steward" and known[1] < score.probability):
                    edge[index] = (method, round(score.probability, 4))

    candidates = _review_candidates(gray, clusters, entities)
    result = []
    for _, members in sorted(clusters.members.items()):
        cluster_records = [r for index in members for r in entities[index].records]
        methods = _record_methods(members, entities, edge)
        methods.update({key: ("steward", 1.0) for key in steward_linked if key in methods})
        result.append(Cluster(cluster_records, methods))
    return Linkage(
        result,
        candidates,
        {"entities": len(entities), "pairs_scored": len(pairs), "pairs_kept": len(scored)},
        {r.key: blocks for e in entities for blocks in [name_block_ids(e)] for r in e.records},
    )


def _method(score: PairScore) -> str:
    if "company_uscc" in score.agreed and score.similarity.get("project_name", 1.0) >= 0.85:
        return "uscc_name"
    return "probabilistic"


def _record_methods(
    members: list[int], entities: Sequence[Entity], edge: dict[int, tuple[str, float]]
) -> dict[RecordKey, tuple[str, float]]:
    methods: dict[RecordKey, tuple[str, float]] = {}
    for index in members:
        entity = entities[index]
        for record in entity.records:
            if len(entity.records) > 1:
                methods[record.key] = ("project_code", 1.0)
            elif index in edge:
                methods[record.key] = edge[index]
            elif entity.code and len(members) > 1:
                methods[record.key] = ("project_code", 1.0)
            else:
                methods[record.key] = ("new", 1.0)
    return methods


def _review_candidates(
    gray: list[tuple[int, int, PairScore]], clusters: _Clusters, entities: Sequence[Entity]
) -> list[Candidate]:
    """One candidate per pair of clusters still apart (its best pair): the smaller cluster's
    entity is proposed into the larger one's project."""
    best: dict[tuple[int, int], tuple[int, int, PairScore]] = {}
    for i, j, score in gray:
        ri, rj = clusters.find(i), clusters.find(j)
        if ri == rj or clusters.cannot_linked(ri, rj):
            continue
        pair = (min(ri, rj), max(ri, rj))
        if pair not in best or best[pair][2].weight < score.weight:
            best[pair] = (i, j, score)
    candidates = []
    for i, j, score in best.values():
        ri, rj = clusters.find(i), clusters.find(j)
        if (clusters.size(ri), ri) > (clusters.size(rj), rj):
            i, j = j, i
        candidates.append(
            Candidate(
                record=entities[i].representative.key,
                target=entities[j].representative.key,
                score=round(score.probability, 4),
                evidence=score.evidence(),
            )
        )
    candidates.sort(key=lambda c: (c.record, c.target))
    return candidates
