"""Deterministic, streaming payloads per department, shaped like what the connectors land.

A small sandbox scenario (``generate_scenario(TEMPLATE_PROJECTS, TEMPLATE_SEED)``) provides a
pool of template records per source — the very dicts the sandbox departments serve, broken
copies included (about 3 % bad rows, so the audit has rejects to find). Record ``i`` of a
stream is template ``i % pool`` with its key rewritten to ``<key>.<cycle>`` when
``cycle = i // pool`` is not 0, so every record is a distinct version (distinct
``(source_key, content_hash)``) and nothing is deduplicated away. Only the pool is held in
memory: a stream of 1M records costs what a stream of 100k does.

Checkpoints follow each connector's own cadence (README of each connector): commerce after
every page of 500, approval after every page of 1000, land after every file (``LAND_FILE_ROWS``
rows a file here), stats after every period (``STATS_PERIODS`` periods, so a period's roster
grows with the stream).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from connectors.common.records import Checkpoint, SourceRecord, StreamItem

TEMPLATE_PROJECTS = 1000
TEMPLATE_SEED = 20250630
LAND_FILE_ROWS = 500
STATS_PERIODS = 30
SOURCES = ("commerce", "approval", "land", "stats")


@dataclass(frozen=True)
class SourceShape:
    source_system: str
    entity: str
    key_field: str  # the payload field that is the record's source_key
    fixed_checkpoint_every: int | None  # None: derived from the stream length (stats)

    def checkpoint_every(self, count: int) -> int:
        if self.fixed_checkpoint_every is not None:
            return self.fixed_checkpoint_every
        return max(1, -(-count // STATS_PERIODS))


SHAPES = {
    "commerce": SourceShape("commerce", "projects", "project_no", 500),
    "approval": SourceShape("approval", "events", "event_id", 1000),
    "land": SourceShape("land", "parcels", "宗地编号", LAND_FILE_ROWS),
    "stats": SourceShape("stats", "roster", "stat_project_id", None),
}

# (source_key, payload, context, provenance)
Template = tuple[str | None, dict[str, Any], dict[str, Any], dict[str, Any]]


@cache
def templates(source_system: str) -> tuple[Template, ...]:
    """The template pool of one source, from the sandbox scenario (generated once)."""
    return tuple(scenario_templates(_scenario(), source_system))


def scenario_templates(
    scenario, source_system: str, *, served_only: bool = False
) -> list[Template]:
    """Every record one department of ``scenario`` holds, as its connector would land it;
    ``served_only``: without the stats revisions the bureau replaced (it serves current ones)."""
    shape = SHAPES[source_system]
    pool: list[Template] = []
    if source_system == "commerce":
        pool = [(_key(r, shape), r, {}, {}) for r in scenario.commerce_records]
    elif source_system == "approval":
        pool = [(_key(r, shape), r, {}, {}) for r in scenario.approval_events]
    elif source_system == "land":
        for land_file in scenario.land_files:
            for line, row in enumerate(land_file.rows, start=2):  # line 1 is the header
                pool.append((_key(row, shape), row, {}, {"file": land_file.name, "line": line}))
    elif source_system == "stats":
        for period in scenario.stats_periods:
            if served_only and not period.current:
                continue
            context = {"period": period.period, "revision": period.revision}
            pool.extend((_key(row, shape), row, context, {}) for row in period.rows)
    else:
        raise KeyError(source_system)
    return pool


@cache
def _scenario():
    from hub.sandbox import generate_scenario

    return generate_scenario(size=TEMPLATE_PROJECTS, seed=TEMPLATE_SEED)


def _key(payload: dict[str, Any], shape: SourceShape) -> str | None:
    value = payload.get(shape.key_field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value).strip()


def records(source_system: str, count: int) -> Iterator[SourceRecord]:
    """``count`` distinct records of one source, generated one at a time."""
    shape = SHAPES[source_system]
    pool = templates(source_system)
    size = len(pool)
    entity, key_field = shape.entity, shape.key_field
    for i in range(count):
        cycle, position = divmod(i, size)
        key, payload, context, provenance = pool[position]
        payload = dict(payload)
        if cycle and key is not None:
            key = f"{key}.{cycle}"
            payload[key_field] = key
        yield SourceRecord(
            entity=entity,
            source_key=key,
            payload=payload,
            context=dict(context),
            provenance=dict(provenance),
        )


def stream(source_system: str, count: int) -> Iterator[StreamItem]:
    """The records of ``records()`` with Checkpoints at the connector's cadence."""
    every = SHAPES[source_system].checkpoint_every(count)
    since = 0
    checkpoints = 0
    for record in records(source_system, count):
        yield record
        since += 1
        if since == every:
            checkpoints += 1
            since = 0
            yield Checkpoint(state={"bench": source_system, "checkpoint": checkpoints})
    yield Checkpoint(state={"bench": source_system, "checkpoint": checkpoints + 1, "done": True})
