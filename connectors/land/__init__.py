"""Natural resources and planning bureau (市自然资源和规划局) land ledger: ``parcels``."""

from connectors.land.settings import KNOWN_FIELDS, LandSettings, unknown_fields
from connectors.land.streams import LandConnector

__all__ = ["KNOWN_FIELDS", "LandConnector", "LandSettings", "unknown_fields"]
