"""Statistics roster client: ``Token`` auth, the period list and one roster page."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from connectors.common.http import (
    RETRY_STATUSES_WITH_500,
    InvalidResponse,
    client_from_settings,
    json_object,
)
from connectors.stats.settings import PERIODS_PATH, ROSTER_PATH, SOURCE_SYSTEM, StatsSettings


@dataclass(frozen=True, slots=True)
class Period:
    period: str
    revision: Any
    closed: bool


@dataclass(frozen=True, slots=True)
class RosterPage:
    period: str
    revision: Any
    rows: list[dict[str, Any]]
    next_after: str | None


def _interpret_periods(response: requests.Response) -> list[Period]:
    body = json_object(response)
    raw = body.get("periods")
    if not isinstance(raw, list):
        raise InvalidResponse("periods is not a list")
    periods = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("period"), str):
            raise InvalidResponse(f"malformed period entry {entry!r}")
        if "revision" not in entry:
            raise InvalidResponse(f"period {entry['period']} has no revision")
        periods.append(
            Period(
                period=entry["period"],
                revision=entry["revision"],
                closed=entry.get("closed") is True,
            )
        )
    return periods


def _interpret_roster(response: requests.Response) -> RosterPage:
    body = json_object(response)
    rows = body.get("rows")
    if rows is None:
        rows = []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InvalidResponse("rows is not a list of objects")
    if "revision" not in body:
        raise InvalidResponse("roster page carries no revision")
    next_after = body.get("next_after")
    if next_after is not None and not isinstance(next_after, str):
        next_after = str(next_after)
    return RosterPage(
        period=str(body.get("period")),
        revision=body["revision"],
        rows=rows,
        next_after=next_after or None,
    )


class StatsClient:
    """``Authorization: Token`` over one session."""

    def __init__(
        self,
        settings: StatsSettings,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self.http = client_from_settings(
            SOURCE_SYSTEM,
            settings,
            retry_statuses=RETRY_STATUSES_WITH_500,
            session=session,
            sleep=sleep,
            rand=rand,
        )
        self._headers = {"Authorization": f"Token {settings.token}"}

    def close(self) -> None:
        self.http.close()

    def periods(self) -> list[Period]:
        """All periods the bureau publishes, in period order."""
        found = self.http.call(
            "GET", PERIODS_PATH, headers=self._headers, interpret=_interpret_periods
        )
        return sorted(found, key=lambda p: p.period)

    def roster_page(self, period: str, after: str | None) -> RosterPage:
        params: dict[str, Any] = {"period": period}
        if after is not None:
            params["after"] = after
        params["limit"] = self.settings.limit
        return self.http.call(
            "GET", ROSTER_PATH, params=params, headers=self._headers, interpret=_interpret_roster
        )
