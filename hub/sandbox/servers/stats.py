"""The statistics bureau: ``/api/fai/periods`` and the keyset-paginated ``/api/fai/roster``,
current revisions only; open periods may be revised mid-pull."""

from __future__ import annotations

import bisect
import copy
import threading
from collections.abc import Mapping
from typing import Any

from hub.sandbox.hostile import HostileJsonRecord
from hub.sandbox.scenario import StatsPeriod
from hub.sandbox.servers.faults import NO_FAULTS, _FaultInjector
from hub.sandbox.servers.protocol import Response, _int_param, _query_value


class _StatsDepartment:
    """``/api/fai/periods`` and keyset-paginated ``/api/fai/roster``; current revisions only.

    Every revision ever published is kept (``history``) so a test can check a revision the
    hub landed even after a newer one replaced it.
    """

    def __init__(
        self, periods: list[StatsPeriod], token: str, faults: _FaultInjector | None = None
    ):
        self._lock = threading.Lock()
        self._token = token
        self._faults = faults or _FaultInjector(NO_FAULTS)
        self._current: dict[str, StatsPeriod] = {}
        self._history: dict[tuple[str, int], StatsPeriod] = {}
        self.bumped: list[tuple[str, int]] = []  # (period, new revision) published mid-pull
        # Hostile rows stay out of the published rosters (so revisions and bumps leave them
        # alone) and are merged in when a period is served: period -> rows.
        self._hostile: dict[str, list[dict[str, Any]]] = {}
        self._merged: dict[str, tuple[StatsPeriod, list[dict[str, Any]]]] = {}
        for period in periods:
            if period.current:
                self._publish_locked(self._sorted_copy(period))

    @staticmethod
    def _sorted_copy(period: StatsPeriod) -> StatsPeriod:
        rows = sorted(copy.deepcopy(period.rows), key=lambda row: row["stat_project_id"])
        return StatsPeriod(period.period, period.revision, period.closed, rows, current=True)

    def _publish_locked(self, period: StatsPeriod) -> None:
        previous = self._current.get(period.period)
        if previous is not None and previous.revision != period.revision:
            old = self._history.get((previous.period, previous.revision))
            if old is not None:
                old.current = False
        self._current[period.period] = period
        self._history[(period.period, period.revision)] = period

    def periods(self, *, include_superseded: bool = False) -> list[StatsPeriod]:
        """Published revisions (current ones only unless asked), by period and revision."""
        with self._lock:
            chosen = self._history.values() if include_superseded else self._current.values()
            return [
                StatsPeriod(p.period, p.revision, p.closed, copy.deepcopy(p.rows), p.current)
                for p in sorted(chosen, key=lambda p: (p.period, p.revision))
            ]

    def bumped_revisions(self) -> list[tuple[str, int]]:
        with self._lock:
            return list(self.bumped)

    def latest_period(self) -> StatsPeriod | None:
        with self._lock:
            return self._current[max(self._current)] if self._current else None

    def add_hostile(self, period: str, hostile: list[HostileJsonRecord]) -> None:
        """Serve these in every revision of ``period`` from now on, in key order."""
        with self._lock:
            self._hostile.setdefault(period, []).extend(
                copy.deepcopy(item.record) for item in hostile
            )
            self._merged.pop(period, None)

    def _served_rows_locked(self, period: StatsPeriod) -> list[dict[str, Any]]:
        """The roster as served: the published rows and the period's hostile rows."""
        hostile = self._hostile.get(period.period)
        if not hostile:
            return period.rows
        merged = self._merged.get(period.period)
        if merged is None or merged[0] is not period:
            rows = sorted([*period.rows, *hostile], key=lambda row: row["stat_project_id"])
            merged = self._merged[period.period] = (period, rows)
        return merged[1]

    def set_period(self, period: StatsPeriod) -> None:
        """Publish a revision. As the bureau promises: a closed period never changes, and a
        revision number never goes down."""
        with self._lock:
            published = self._current.get(period.period)
            if published is not None:
                if published.closed:
                    raise ValueError(f"period {period.period} is closed; it never changes again")
                if period.revision < published.revision:
                    raise ValueError(
                        f"period {period.period}: revision {period.revision} is older than "
                        f"the published {published.revision}"
                    )
            self._publish_locked(self._sorted_copy(period))

    def _bump_locked(self, name: str) -> None:
        """The bureau revises an open period: some amounts change, a project leaves."""
        period = self._current[name]
        rows = copy.deepcopy(period.rows)
        with self._faults.rng("stats:bump") as rng:
            for row in rng.sample(rows, min(2, len(rows))):
                value = row.get("completed_investment_ytd_wan")
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    row["completed_investment_ytd_wan"] = round(value + rng.randint(1, 900), 1)
            if len(rows) >= 3:
                rows.pop(rng.randrange(len(rows)))
        revised = StatsPeriod(name, period.revision + 1, False, rows)
        self._publish_locked(self._sorted_copy(revised))
        self.bumped.append((name, revised.revision))
        self._faults.count("stats.revision_bump")

    def handle(
        self, method: str, path: str, query: Mapping[str, list[str]], headers, body
    ) -> Response:
        if headers.get("Authorization", "") != f"Token {self._token}":
            return 401, {"detail": "Invalid token."}, {}
        if method == "GET" and path == "/api/fai/periods":
            with self._lock:
                periods = [
                    {"period": p.period, "revision": p.revision, "closed": p.closed}
                    for _, p in sorted(self._current.items())
                ]
            return 200, {"periods": periods}, {}
        if method == "GET" and path == "/api/fai/roster":
            return self._roster(query)
        return 404, {"detail": "Not found."}, {}

    def _roster(self, query: Mapping[str, list[str]]) -> Response:
        name = _query_value(query, "period")
        if not name:
            return 400, {"detail": "period is required"}, {}
        limit = _int_param(query, "limit", 500, 1, 2000, lambda m: {"detail": m})
        after = _query_value(query, "after")
        with self._lock:
            period = self._current.get(name)
            if period is None:
                return 404, {"detail": f"period {name} not found"}, {}
            rows = self._served_rows_locked(period)
            start = 0
            if after:
                keys = [row["stat_project_id"] for row in rows]
                start = bisect.bisect_right(keys, after)
            page = copy.deepcopy(rows[start : start + limit])
            more = start + limit < len(rows)
            if not period.closed and self._faults.stats_bump_due(name, after or None):
                self._bump_locked(name)
        return (
            200,
            {
                "period": period.period,
                "revision": period.revision,
                "rows": page,
                "next_after": page[-1]["stat_project_id"] if more and page else None,
            },
            {},
        )
