"""Commerce bureau connector settings and record contract (no environment reading here:
``hub/config.py`` builds :class:`CommerceSettings`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SOURCE_SYSTEM = "commerce"
ENTITY = "projects"
PROJECTS_PATH = "/api/v1/projects"
#: The platform refuses page_size > 500 with HTTP 400.
MAX_PAGE_SIZE = 500

#: Fields of a project record per contracts/sources/commerce.md.
KNOWN_FIELDS: frozenset[str] = frozenset(
    {
        "project_no",
        "project_name",
        "investor_name",
        "investor_uscc",
        "project_company_name",
        "project_company_uscc",
        "origin_country",
        "origin_province",
        "origin_city",
        "capital_type",
        "industry_category",
        "industry_chain",
        "is_manufacturing",
        "total_investment",
        "investment_unit",
        "foreign_investment_usd",
        "district_code",
        "stage",
        "negotiation_started_on",
        "signed_on",
        "project_code",
        "contact_person",
        "contact_phone",
        "is_deleted",
        "updated_at",
    }
)


def unknown_fields(payload: dict[str, Any]) -> set[str]:
    """Fields of a record that the contract does not know (schema drift to report)."""
    return set(payload) - KNOWN_FIELDS


@dataclass(frozen=True, slots=True)
class CommerceSettings:
    """How to reach the commerce platform.

    Attributes:
        base_url: e.g. ``http://127.0.0.1:8101``.
        api_key: sent as ``X-Api-Key``.
        page_size: 1–500.
        timeout: ``(connect, read)`` seconds for every request.
        max_retries: retries after the first attempt of each request.
        backoff_base, backoff_max: exponential backoff with full jitter, seconds; also the
            cap applied to ``Retry-After``.
        max_passes: how many times one sync may page through its window (first pass plus
            re-reads) before it stops chasing a table that keeps changing; the sync then
            keeps its old watermark and reports an incident.
    """

    base_url: str
    api_key: str
    page_size: int = 500
    timeout: tuple[float, float] = (5, 30)
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30
    max_passes: int = 10

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"commerce page_size must be 1–{MAX_PAGE_SIZE}, got {self.page_size}")
        if self.max_passes < 1:
            raise ValueError("commerce max_passes must be at least 1")

    def __repr__(self) -> str:  # keep the key out of logs and tracebacks
        return (
            f"CommerceSettings(base_url={self.base_url!r}, api_key='***', "
            f"page_size={self.page_size}, timeout={self.timeout}, max_retries={self.max_retries})"
        )
