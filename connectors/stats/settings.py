"""Statistics bureau connector settings and roster contract (no environment reading here:
``hub/config.py`` builds :class:`StatsSettings`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SOURCE_SYSTEM = "stats"
ENTITY = "roster"
PERIODS_PATH = "/api/fai/periods"
ROSTER_PATH = "/api/fai/roster"
MAX_LIMIT = 2000

#: Fields of a roster row per contracts/sources/stats.md.
KNOWN_FIELDS: frozenset[str] = frozenset(
    {
        "stat_project_id",
        "project_code",
        "project_name",
        "legal_unit_name",
        "legal_unit_uscc",
        "district_code",
        "industry_code",
        "planned_investment_wan",
        "completed_investment_ytd_wan",
        "start_month",
        "included_month",
        "status",
        "completed_on",
    }
)


def unknown_fields(payload: dict[str, Any]) -> set[str]:
    """Fields of a roster row that the contract does not know (schema drift to report)."""
    return set(payload) - KNOWN_FIELDS


@dataclass(frozen=True, slots=True)
class StatsSettings:
    """How to reach the statistics bureau's roster API.

    Attributes:
        base_url: e.g. ``http://127.0.0.1:8104``.
        token: sent as ``Authorization: Token <token>``.
        limit: rows per page, 1–2000.
        timeout, max_retries, backoff_base, backoff_max: as for every HTTP connector.
        max_restarts: how many times one period may be restarted because its revision
            changed during pagination before the sync fails.
    """

    base_url: str
    token: str
    limit: int = 2000
    timeout: tuple[float, float] = (5, 30)
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30
    max_restarts: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValueError(f"stats limit must be 1–{MAX_LIMIT}, got {self.limit}")
        if self.max_restarts < 0:
            raise ValueError("stats max_restarts must not be negative")

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return (
            f"StatsSettings(base_url={self.base_url!r}, token='***', limit={self.limit}, "
            f"timeout={self.timeout}, max_retries={self.max_retries})"
        )
