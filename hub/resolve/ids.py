"""Stable hub project ids: map this run's clusters onto the ids earlier runs gave out.

- A cluster whose records were already linked keeps that id.
- A cluster spanning several ids (two projects turned out to be one) keeps the smallest
  and retires the others into it; a retired id redirects, and is never reused.
- When a project splits, the old id stays with the part holding most of its old records
  (then the larger part); the other parts get new ids.
- A cluster needs one record that is lifecycle evidence to be a project at all; records
  that are not evidence (soft-deleted, withdrawn, revoked…) only join projects.
Re-running on the same clusters changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from hub.resolve.linking import Cluster
from hub.resolve.records import RecordKey


@dataclass(frozen=True, slots=True)
class Link:
    hub_project_id: int
    match_method: str  # project_code | uscc_name | probabilistic | steward | new
    match_score: float


@dataclass
class Resolution:
    links: dict[RecordKey, Link] = field(default_factory=dict)
    new_project_ids: list[int] = field(default_factory=list)
    retired: dict[int, int] = field(default_factory=dict)  # retired id → surviving id
    seconds: dict[str, float] = field(default_factory=dict)  # step → time (store.py fills it)


def assign_project_ids(
    clusters: list[Cluster],
    existing_links: Mapping[RecordKey, int],
    redirects: Mapping[int, int],
    allocate_ids: Callable[[int], list[int]],
) -> Resolution:
    """Map clusters onto stable hub project ids.

    Args:
        clusters: this run's clusters (``linking.link_records``).
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

    projects = [c for c in clusters if any(r.is_evidence for r in c.records)]
    resolution = Resolution()
    claims: dict[int, list[tuple[int, int, RecordKey, Cluster]]] = defaultdict(list)
    unclaimed: list[Cluster] = []
    for cluster in projects:
        previous = [live(existing_links[r.key]) for r in cluster.records if r.key in existing_links]
        if not previous:
            unclaimed.append(cluster)
            continue
        survivor = min(previous)
        for other in sorted(set(previous) - {survivor}):
            resolution.retired[other] = survivor
        first_key = min(r.key for r in cluster.records)
        claims[survivor].append(
            (previous.count(survivor), len(cluster.records), first_key, cluster)
        )

    for project_id, contenders in claims.items():
        contenders.sort(key=lambda c: (-c[0], -c[1], c[2]))
        _link(resolution, contenders[0][3], project_id)
        unclaimed.extend(c[3] for c in contenders[1:])

    unclaimed.sort(key=lambda c: min(r.key for r in c.records))
    fresh = allocate_ids(len(unclaimed)) if unclaimed else []
    for project_id, cluster in zip(fresh, unclaimed, strict=True):
        resolution.new_project_ids.append(project_id)
        _link(resolution, cluster, project_id)
    # A retired id that still won a cluster (it was the survivor elsewhere) is not retired.
    for project_id in {link.hub_project_id for link in resolution.links.values()}:
        resolution.retired.pop(project_id, None)
    return resolution


def _link(resolution: Resolution, cluster: Cluster, project_id: int) -> None:
    for record in cluster.records:
        method, score = cluster.methods[record.key]
        resolution.links[record.key] = Link(project_id, method, score)
