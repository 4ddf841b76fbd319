"""The departments the hub reads: one entry each, and the only list of them in the hub.

A department is its own files in each top-level folder, plus one ``Department`` here:

- ``connectors/<dept>/``: the connector that reads it (``read(state, full=...)``);
- ``schemas/<dept>/<entity>.json``: its records as the department publishes them;
- ``sql/migrations``: its raw table ``raw.<dept>__<entity>`` and its core table;
- ``sql/staging/<dept>.sql``: the staging view ``staging.stg_<dept>__<entity>``;
- ``expectations/suites/<dept>__<entity>.json``: its record-level suite (and, optionally, a
  block in ``expectations/batch_checks.json``);
- ``sql/core/merge_<dept>.sql``: the merge of one audited batch into its core table.

The pipeline, the rebuild, the CLI and the DAGs iterate this registry and branch on nothing
else. ``register`` adds a department at run time (a test registers a toy fifth one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.config import PROJECT_ROOT, Settings

SUITES_DIR = PROJECT_ROOT / "expectations" / "suites"
SCHEMAS_DIR = PROJECT_ROOT / "schemas"


@dataclass(frozen=True)
class Department:
    source_system: str
    entity: str
    key_field: str  # the payload field whose value is the record's source_key
    cursor: str  # how a sync resumes where the last one stopped (said in `hub status`)
    connector: Callable[[Settings], Any]  # builds the configured connector (imports lazily)
    location: Callable[[Settings], str]  # where it is read from, for messages
    core_table: str  # schema core: the current valid version of each record
    merge_sql: str  # under sql/ (or an absolute path): merges one batch, param batch_id
    # Run after a merge once no batch of this department is held (the stats roster drops
    # the periods the connector's state says were replaced).
    after_merge_sql: str | None = None
    # (state before, state after landing) → the part of the source this batch replaced,
    # for the batch checks (stats: {period: revision}); None = judged by the rows landed.
    changed_scope: Callable[[dict | None, dict | None], dict | None] | None = None
    suite_path: Path | None = None  # default: expectations/suites/<name>.json

    @property
    def name(self) -> str:
        return f"{self.source_system}__{self.entity}"

    @property
    def raw_table(self) -> str:
        return f"raw.{self.name}"

    @property
    def staging_view(self) -> str:
        return f"staging.stg_{self.name}"

    @property
    def suite_file(self) -> Path:
        return self.suite_path or SUITES_DIR / f"{self.name}.json"

    @property
    def schema_file(self) -> Path:
        return SCHEMAS_DIR / self.source_system / f"{self.entity}.json"


_REGISTRY: dict[str, Department] = {}


def register(department: Department) -> Department:
    """Add (or replace) a department; the order of registration is the order of syncs."""
    _REGISTRY[department.source_system] = department
    return department


def unregister(source_system: str) -> None:
    _REGISTRY.pop(source_system, None)


def departments() -> tuple[Department, ...]:
    return tuple(_REGISTRY.values())


def source_systems() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def department(source_system: str) -> Department:
    try:
        return _REGISTRY[source_system]
    except KeyError:
        known = ", ".join(_REGISTRY)
        raise ValueError(f"unknown source system {source_system!r}; known: {known}") from None


def build_connector(settings: Settings, source_system: str):
    """The connector for one department, configured from settings."""
    return department(source_system).connector(settings)


# --- the four departments of the contracts --------------------------------------------------


def _commerce(settings: Settings):
    from connectors.commerce.streams import CommerceConnector

    return CommerceConnector(settings.commerce)


def _approval(settings: Settings):
    from connectors.approval.streams import ApprovalConnector

    return ApprovalConnector(settings.approval)


def _land(settings: Settings):
    from connectors.land.streams import LandConnector

    return LandConnector(settings.land)


def _stats(settings: Settings):
    from connectors.stats.streams import StatsConnector

    return StatsConnector(settings.stats)


def _stats_changed_periods(before: dict | None, after: dict | None) -> dict | None:
    from connectors.stats.streams import changed_periods

    return changed_periods(before, after)


register(
    Department(
        "commerce",
        "projects",
        key_field="project_no",
        cursor="updated_at watermark, paged by offset",
        connector=_commerce,
        location=lambda settings: settings.commerce.base_url,
        core_table="commerce_projects",
        merge_sql="core/merge_commerce.sql",
    )
)
register(
    Department(
        "approval",
        "events",
        key_field="event_id",
        cursor="opaque cursor of an append-only event stream",
        connector=_approval,
        location=lambda settings: settings.approval.base_url,
        core_table="approval_events",
        merge_sql="core/merge_approval.sql",
    )
)
register(
    Department(
        "land",
        "parcels",
        key_field="宗地编号",
        cursor="daily files marked .done, each read once",
        connector=_land,
        location=lambda settings: str(settings.land.directory),
        core_table="land_parcels",
        merge_sql="core/merge_land.sql",
    )
)
register(
    Department(
        "stats",
        "roster",
        key_field="stat_project_id",
        cursor="monthly periods and their revisions",
        connector=_stats,
        location=lambda settings: settings.stats.base_url,
        core_table="stats_roster",
        merge_sql="core/merge_stats.sql",
        after_merge_sql="core/prune_stats_periods.sql",
        changed_scope=_stats_changed_periods,
    )
)
