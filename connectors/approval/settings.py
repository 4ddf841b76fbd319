"""Approval bureau connector settings and event contract (no environment reading here:
``hub/config.py`` builds :class:`ApprovalSettings`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SOURCE_SYSTEM = "approval"
ENTITY = "events"
TOKEN_PATH = "/oauth/token"
EVENTS_PATH = "/open/v2/approval-events"
MAX_LIMIT = 1000

#: Fields of an approval event per contracts/sources/approval.md.
KNOWN_FIELDS: frozenset[str] = frozenset(
    {
        "event_id",
        "project_code",
        "project_name",
        "applicant_name",
        "applicant_uscc",
        "district_code",
        "matter",
        "decision",
        "decided_at",
        "document_no",
        "total_investment_wan",
        "supersedes_event_id",
    }
)


def unknown_fields(payload: dict[str, Any]) -> set[str]:
    """Fields of an event that the contract does not know (schema drift to report)."""
    return set(payload) - KNOWN_FIELDS


@dataclass(frozen=True, slots=True)
class ApprovalSettings:
    """How to reach the approval bureau's open API.

    Attributes:
        base_url: e.g. ``http://127.0.0.1:8102``.
        client_id, client_secret: OAuth 2.0 client credentials.
        limit: events per page, 1–1000.
        timeout, max_retries, backoff_base, backoff_max: as for every HTTP connector.
        token_refresh_margin: renew the token when less than
            ``min(token_refresh_margin, expires_in / 10)`` seconds of its life remain.
    """

    base_url: str
    client_id: str
    client_secret: str
    limit: int = 1000
    timeout: tuple[float, float] = (5, 30)
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30
    token_refresh_margin: float = 30

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValueError(f"approval limit must be 1–{MAX_LIMIT}, got {self.limit}")

    def __repr__(self) -> str:  # keep the secret out of logs and tracebacks
        return (
            f"ApprovalSettings(base_url={self.base_url!r}, client_id={self.client_id!r}, "
            f"client_secret='***', limit={self.limit}, timeout={self.timeout}, "
            f"max_retries={self.max_retries})"
        )
