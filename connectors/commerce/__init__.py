"""Commerce bureau (市商务局) investment-promotion platform: the ``projects`` stream."""

from connectors.commerce.settings import KNOWN_FIELDS, CommerceSettings, unknown_fields
from connectors.commerce.streams import CommerceConnector

__all__ = ["KNOWN_FIELDS", "CommerceConnector", "CommerceSettings", "unknown_fields"]
