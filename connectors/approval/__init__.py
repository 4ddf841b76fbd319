"""Administrative approval bureau (市行政审批局): the ``events`` stream."""

from connectors.approval.settings import KNOWN_FIELDS, ApprovalSettings, unknown_fields
from connectors.approval.streams import ApprovalConnector

__all__ = ["KNOWN_FIELDS", "ApprovalConnector", "ApprovalSettings", "unknown_fields"]
