"""The commerce bureau's platform: ``GET /api/v1/projects`` behind an X-Api-Key, offset
pagination over a live table (which concurrent updates can shift under a reader)."""

from __future__ import annotations

import bisect
import copy
import sys
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from hub.sandbox.hostile import HostileJsonRecord
from hub.sandbox.scenario import LOCAL_TZ
from hub.sandbox.servers.faults import NO_FAULTS, _FaultInjector
from hub.sandbox.servers.protocol import Response, _int_param, _query_value, _RequestError


class _CommerceDepartment:
    """``GET /api/v1/projects``: X-Api-Key, offset pagination over a live table."""

    def __init__(
        self, records: list[dict[str, Any]], api_key: str, faults: _FaultInjector | None = None
    ):
        self._lock = threading.Lock()
        self._api_key = api_key
        self._faults = faults or _FaultInjector(NO_FAULTS)
        self._records = {record["project_no"]: copy.deepcopy(record) for record in records}
        # Served among the records but never part of them: project_no -> (the instant it is
        # ordered at — its updated_at may be unreadable —, the record).
        self._hostile: dict[str, tuple[datetime, dict[str, Any]]] = {}
        self._ordered: list[tuple[datetime, str, dict[str, Any]]] | None = None
        self.drifted: list[str] = []  # project_no moved by concurrent updates, in order

    def add_hostile(self, hostile: list[HostileJsonRecord]) -> None:
        """Serve these too, each ordered as the record it was copied from."""
        with self._lock:
            for item in hostile:
                template = self._records[item.truth.copy_of]
                order_at = datetime.fromisoformat(template["updated_at"])
                self._hostile[item.truth.source_key] = (order_at, copy.deepcopy(item.record))
            self._ordered = None

    def upsert(self, record: dict[str, Any]) -> dict[str, Any]:
        """Insert or replace by project_no, stamped with an updated_at later than any so far."""
        with self._lock:
            return self._upsert_locked(record)

    def _upsert_locked(self, record: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(LOCAL_TZ).replace(microsecond=0)
        latest = max(
            (datetime.fromisoformat(r["updated_at"]) for r in self._records.values()),
            default=now,
        )
        stored = copy.deepcopy(record)
        stored["updated_at"] = max(now, latest + timedelta(seconds=1)).isoformat()
        self._records[stored["project_no"]] = stored
        self._ordered = None
        return copy.deepcopy(stored)

    def drifted_keys(self) -> list[str]:
        with self._lock:
            return list(self.drifted)

    def records(self) -> list[dict[str, Any]]:
        """Every record as served now, in the feed's order (hostile ones left out)."""
        with self._lock:
            return [
                copy.deepcopy(record)
                for _, key, record in self._sorted_locked()
                if key not in self._hostile
            ]

    def _sorted_locked(self) -> list[tuple[datetime, str, dict[str, Any]]]:
        if self._ordered is None:
            self._ordered = sorted(
                [
                    *(
                        (datetime.fromisoformat(r["updated_at"]), r["project_no"], r)
                        for r in self._records.values()
                    ),
                    *((at, key, r) for key, (at, r) in self._hostile.items()),
                ]
            )
        return self._ordered

    def _window_locked(self, since: datetime | None) -> list[tuple[datetime, str, dict[str, Any]]]:
        matching = self._sorted_locked()
        if since is not None:
            matching = matching[bisect.bisect_left(matching, (since, "")) :]
        return matching

    def _drift_locked(self, since: datetime | None, start: int, how_many: int) -> None:
        """A concurrent update: records before ``start`` (already paged past) move to the end."""
        matching = self._window_locked(since)
        # hostile records keep their place and their (maybe unreadable) updated_at
        movable = [key for _, key, _ in matching if key not in self._hostile]
        passed = [key for _, key, _ in matching[:start] if key not in self._hostile]
        pool = passed or movable
        if not pool:
            return
        with self._faults.rng("commerce:drift") as rng:
            chosen = rng.sample(pool, min(how_many, len(pool)))
        for project_no in chosen:
            self._upsert_locked(self._records[project_no])
            self.drifted.append(project_no)
        self._faults.count("commerce.concurrent_update", len(chosen))

    @staticmethod
    def _error(message: str, code: int = 40001) -> dict[str, Any]:
        return {"code": code, "message": message, "data": None}

    def handle(
        self, method: str, path: str, query: Mapping[str, list[str]], headers, body
    ) -> Response:
        if method != "GET" or path != "/api/v1/projects":
            return 404, self._error("not found", 40401), {}
        if headers.get("X-Api-Key") != self._api_key:
            return 401, self._error("invalid or missing X-Api-Key", 40101), {}
        since_text = _query_value(query, "updated_since")
        since = None
        if since_text:
            try:
                since = datetime.fromisoformat(since_text)
            except ValueError:
                since = None
            if since is None or since.tzinfo is None:
                # A '+' sent unencoded arrives as a space: the offset is then missing.
                raise _RequestError(400, self._error("updated_since must be ISO-8601 with offset"))
        page = _int_param(query, "page", 1, 1, sys.maxsize, self._error)
        page_size = _int_param(query, "page_size", 100, 1, 500, self._error)
        start = (page - 1) * page_size
        with self._lock:
            drift = self._faults.commerce_drift_due()
            if drift:
                self._drift_locked(since, start, drift)
            matching = self._window_locked(since)
            items = [copy.deepcopy(record) for _, _, record in matching[start : start + page_size]]
            total = len(matching)
        data = {"total": total, "page": page, "page_size": page_size, "items": items}
        return 200, {"code": 0, "message": "success", "data": data}, {}
