"""Statistics bureau (市统计局) fixed-asset investment roster: the ``roster`` stream."""

from connectors.stats.settings import KNOWN_FIELDS, StatsSettings, unknown_fields
from connectors.stats.streams import StatsConnector

__all__ = ["KNOWN_FIELDS", "StatsConnector", "StatsSettings", "unknown_fields"]
