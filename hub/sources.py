"""The four departments the hub reads: their stream (entity) and how to build a connector.

Adding a department means a connector folder, a raw table, a staging view, a suite, a
core merge file, and one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.config import Settings


@dataclass(frozen=True)
class Source:
    source_system: str
    entity: str
    merge_sql: str
    core_table: str  # the current valid version of each record, in schema core

    @property
    def raw_table(self) -> str:
        return f"raw.{self.source_system}__{self.entity}"


SOURCES: dict[str, Source] = {
    "commerce": Source("commerce", "projects", "core/merge_commerce.sql", "commerce_projects"),
    "approval": Source("approval", "events", "core/merge_approval.sql", "approval_events"),
    "land": Source("land", "parcels", "core/merge_land.sql", "land_parcels"),
    "stats": Source("stats", "roster", "core/merge_stats.sql", "stats_roster"),
}


def build_connector(settings: Settings, source_system: str):
    """The connector for one department, configured from settings (imports are lazy)."""
    if source_system == "commerce":
        from connectors.commerce.streams import CommerceConnector

        return CommerceConnector(settings.commerce)
    if source_system == "approval":
        from connectors.approval.streams import ApprovalConnector

        return ApprovalConnector(settings.approval)
    if source_system == "land":
        from connectors.land.streams import LandConnector

        return LandConnector(settings.land)
    if source_system == "stats":
        from connectors.stats.streams import StatsConnector

        return StatsConnector(settings.stats)
    raise ValueError(f"unknown source system {source_system!r}; known: {', '.join(SOURCES)}")
