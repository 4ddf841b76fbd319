"""Loopback stand-ins for the departments, serving a Scenario exactly as the contracts say.

Each HTTP department (commerce, approval, stats) is a standard-library ThreadingHTTPServer
on its own port, so the hub's connectors talk to it exactly as they would to the real system:
same paths, auth, pagination, envelopes and error statuses (``contracts/sources/*.md``). The
land bureau has no API: its daily files are written into a folder at ``start()``.

The served data can change while serving (``upsert_commerce_record``,
``append_approval_event``, ``set_stats_period``, ``add_land_file``) so tests can stage what
happens between two syncs or in the middle of one. Every department guards its data with a
lock; handlers copy what they send while holding it.

Fault knobs (``FaultKnobs``, all off by default) make the departments misbehave the way real
ones do — transient errors, rate limiting, latency, short-lived tokens, a live table shifting
under offset pagination, a statistics revision published mid-pull, responses cut off in
transit, undecodable CSV rows, late ``.done`` markers, hostile records mixed into a feed — so
tests can check that a sync still lands exactly what the departments hold, and rejects only
what it must. Every random choice comes from a ``random.Random`` seeded with
``FaultKnobs.seed`` (one per department and kind of fault), so a run is repeatable;
``fault_counts()`` says what was actually played.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import contextlib
import copy
import dataclasses
import hashlib
import json
import logging
import math
import os
import random
import secrets
import shlex
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hub.sandbox.hostile import (
    HOSTILE_DEPARTMENTS,
    HostileJsonRecord,
    HostileLandRow,
    HostileRecord,
    land_cells_are_plain,
    make_json_records,
    make_land_rows,
    render_json,
)
from hub.sandbox.land_files import DONE_SUFFIX, render_land_file
from hub.sandbox.scenario import LOCAL_TZ, LandFile, Scenario, StatsPeriod, generate_scenario

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"commerce": 8101, "approval": 8102, "stats": 8104}
HTTP_DEPARTMENTS = tuple(DEFAULT_PORTS)


@dataclass(frozen=True)
class SandboxCredentials:
    """What the hub must present. A short ``approval_token_lifetime_s`` (e.g. 0.5) lets a
    test see a token expire."""

    commerce_key: str = "sandbox-commerce-key"
    approval_client_id: str = "sandbox-client"
    approval_client_secret: str = "sandbox-secret"
    stats_token: str = "sandbox-stats-token"
    approval_token_lifetime_s: float = 300


@dataclass(frozen=True)
class FaultKnobs:
    """How the sandbox departments misbehave. Everything is off by default.

    HTTP departments (commerce, approval, stats), per request:

    - ``error_rate``: fraction of requests answered 502/503/504 — for commerce, half of them
      as HTTP 200 with a transient business error ``{"code": 50001…50099, "data": null}``.
    - ``rate_limit_rate``: fraction answered 429 with ``Retry-After: 0`` or ``1``. A request
      arriving before the Retry-After it was given is counted as ``<dept>.retry_after_ignored``.
    - ``latency_s``: seconds slept before answering every request.
    - ``slow_response_rate``: fraction of requests held ``slow_response_s`` more before
      being answered (normally) — longer than a client's read timeout, a timeout for it.
    - ``truncated_response_rate``: fraction of successful answers cut off in transit: either
      a ``Content-Length`` larger than the bytes sent, or the JSON cut mid-way without a
      length; the connection is closed either way.
    - ``approval_token_lifetime_s``: real lifetime of approval tokens issued from now on
      (None = ``SandboxCredentials.approval_token_lifetime_s``). ``expires_in`` says
      ``max(1, ceil(lifetime))``, so a lifetime under a second expires before the client
      expects it (it then meets a 401).
    - ``commerce_concurrent_updates`` (N): every N-th answered projects page request, before
      answering, ``commerce_updates_per_drift`` records the client has already paged past get
      a new ``updated_at`` (later than any), so they move to the end of the feed and the
      records behind them slide forward — one of them is skipped by an offset reader. At most
      ``commerce_concurrent_update_limit`` such moments per knob setting (a live table is
      busy for a while, not forever).
    - ``stats_revision_bump_after_pages`` (N): after serving the N-th roster page of a pull
      (counted from the period's first page), an open period is re-published with revision + 1
      and a changed roster (amounts revised, a project dropped). At most
      ``stats_revision_bump_limit`` bumps per period per knob setting.

    Land (applied when files are written: at ``start()`` and by ``add_land_file``):

    - ``broken_encoding_rows``: that many data rows (of the files written at start, and of
      each file added later) are written with a byte that is invalid in GB18030; nothing else
      in the file changes. ``land_deliveries()`` tells which lines.
    - ``late_done_markers`` (K): each file is dropped half-written and without its ``.done``
      marker, completed and marked only after 0..K (seeded) further listings of the folder —
      ``advance_land_markers()`` counts one listing — or when ``mark_land_file_done`` is
      called. A file drawn 0 is delivered at once.

    Every department (applied once, at ``start()``; see ``hub/sandbox/hostile.py``):

    - ``hostile_records`` (N): N records per department in ``hostile_departments`` served in
      addition to the scenario's, each a copy of a valid record with a fresh key (no true
      project's) and one hostile value — NUL or control characters, a lone surrogate, bytes
      that are not UTF-8 (land: not GB18030), an object for a string, a list, ``1e309``,
      ``NaN``, ``-Infinity`` or a 5000-digit integer for an amount, a 300,000-character
      name, an impossible date or timestamp, a CSV row with a column too few or too many —
      the kinds cycled in order. Each is served right next to the record it was copied from
      (stats: in the latest period's roster), so it shares a page or file with normal
      records. ``hostile_records()`` lists them with the reject reasons the hub must give.
      They belong to no project: the ground truth's stage counts do not change.

    Changing the knobs at run time (``departments.faults = FaultKnobs(...)``) reseeds the
    random generators and resets the per-setting limits; fault counts are kept. Hostile
    records, once served, stay.
    """

    seed: int = 0
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    latency_s: float = 0.0
    slow_response_rate: float = 0.0
    slow_response_s: float = 1.0
    truncated_response_rate: float = 0.0
    approval_token_lifetime_s: float | None = None
    commerce_concurrent_updates: int = 0
    commerce_updates_per_drift: int = 1
    commerce_concurrent_update_limit: int = 4
    stats_revision_bump_after_pages: int = 0
    stats_revision_bump_limit: int = 1
    broken_encoding_rows: int = 0
    late_done_markers: int = 0
    hostile_records: int = 0
    hostile_departments: tuple[str, ...] = HOSTILE_DEPARTMENTS

    def __post_init__(self) -> None:
        for name in (
            "error_rate",
            "rate_limit_rate",
            "slow_response_rate",
            "truncated_response_rate",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be within [0, 1]")
        for name in (
            "latency_s",
            "slow_response_s",
            "commerce_concurrent_updates",
            "commerce_updates_per_drift",
            "commerce_concurrent_update_limit",
            "stats_revision_bump_after_pages",
            "stats_revision_bump_limit",
            "broken_encoding_rows",
            "late_done_markers",
            "hostile_records",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.approval_token_lifetime_s is not None and self.approval_token_lifetime_s <= 0:
            raise ValueError("approval_token_lifetime_s must be > 0")
        if isinstance(self.hostile_departments, str):  # ("land") is a str, not a tuple
            raise ValueError("hostile_departments must be a tuple of department names")
        unknown = sorted(set(self.hostile_departments) - set(HOSTILE_DEPARTMENTS))
        if unknown:
            raise ValueError(f"hostile_departments: no such department {unknown}")
        # a list given is kept as a tuple: the knobs stay hashable and immutable
        object.__setattr__(self, "hostile_departments", tuple(self.hostile_departments))


NO_FAULTS = FaultKnobs()

_GATEWAY_PAGES = {
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
    504: "504 Gateway Time-out",
}


@dataclass(frozen=True)
class _Reply:
    """An answer decided by the fault injector instead of the department."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


class _FaultInjector:
    """Plays the knobs: one seeded generator per purpose, limits per setting, counts."""

    def __init__(self, knobs: FaultKnobs) -> None:
        self._lock = threading.RLock()
        self._counts: Counter[str] = Counter()
        self._retry_not_before: dict[str, float] = {}
        self.configure(knobs)

    def configure(self, knobs: FaultKnobs) -> None:
        with self._lock:
            self.knobs = knobs
            self._rngs: dict[str, random.Random] = {}
            self._commerce_pages = 0
            self._commerce_drifts = 0
            self._roster_pages: dict[str, set[str | None]] = {}
            self._stats_bumps: Counter[str] = Counter()

    @contextlib.contextmanager
    def rng(self, purpose: str) -> Iterator[random.Random]:
        """The generator for one purpose, held under the lock (draws stay in order)."""
        with self._lock:
            rng = self._rngs.get(purpose)
            if rng is None:
                rng = self._rngs[purpose] = random.Random(f"{self.knobs.seed}:{purpose}")
            yield rng

    def count(self, kind: str, n: int = 1) -> None:
        with self._lock:
            self._counts[kind] += n

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    # ------------------------------------------------------------------ HTTP

    def before(self, department: str) -> _Reply | None:
        """Called when a request arrives: sleep the latency, maybe answer with a fault."""
        arrived = time.monotonic()
        knobs = self.knobs
        with self._lock:
            not_before = self._retry_not_before.pop(department, None)
            if not_before is not None and arrived + 0.001 < not_before:
                self._counts[f"{department}.retry_after_ignored"] += 1
        if knobs.latency_s > 0:
            time.sleep(knobs.latency_s)
        with self.rng(f"http:{department}") as rng:
            if knobs.error_rate > 0 and rng.random() < knobs.error_rate:
                if department == "commerce" and rng.random() < 0.5:
                    code = rng.choice((50001, 50002, 50099))
                    self._counts["commerce.business_error"] += 1
                    body = {"code": code, "message": "系统繁忙，请稍后再试", "data": None}
                    return _Reply(200, _json_bytes(body), "application/json; charset=utf-8")
                status = rng.choice(tuple(_GATEWAY_PAGES))
                self._counts[f"{department}.http_{status}"] += 1
                page = f"<html><body><h1>{_GATEWAY_PAGES[status]}</h1></body></html>"
                return _Reply(status, page.encode(), "text/html")
            if knobs.rate_limit_rate > 0 and rng.random() < knobs.rate_limit_rate:
                retry_after = rng.choice((0, 0, 0, 1))
                self._retry_not_before[department] = time.monotonic() + retry_after
                self._counts[f"{department}.http_429"] += 1
                body = _json_bytes({"error": "too_many_requests"})
                return _Reply(
                    429,
                    body,
                    "application/json; charset=utf-8",
                    {"Retry-After": str(retry_after)},
                )
            slow = knobs.slow_response_rate > 0 and rng.random() < knobs.slow_response_rate
            if slow:
                self._counts[f"{department}.slow_response"] += 1
        if slow:
            time.sleep(knobs.slow_response_s)
        return None

    def truncation(self, department: str) -> str | None:
        """``short_body`` / ``cut_json`` when this successful answer is to be cut off."""
        rate = self.knobs.truncated_response_rate
        if rate <= 0:
            return None
        with self.rng(f"truncate:{department}") as rng:
            if rng.random() >= rate:
                return None
            mode = rng.choice(("short_body", "cut_json"))
            self._counts[f"{department}.truncated_{mode}"] += 1
            return mode

    # ------------------------------------------------------------------ commerce

    def commerce_drift_due(self) -> int:
        """Called per answered projects page: how many records to move now (0 = none)."""
        knobs = self.knobs
        every = knobs.commerce_concurrent_updates
        if every <= 0:
            return 0
        with self._lock:
            self._commerce_pages += 1
            if self._commerce_pages % every:
                return 0
            if self._commerce_drifts >= knobs.commerce_concurrent_update_limit:
                return 0
            self._commerce_drifts += 1
            return knobs.commerce_updates_per_drift

    # ------------------------------------------------------------------ stats

    def stats_bump_due(self, period: str, page: str | None) -> bool:
        """Called per answered roster page (``page`` = its ``after``, None for the first):
        should the period be revised after this page? Pages are counted once each."""
        first_page = not page
        knobs = self.knobs
        after = knobs.stats_revision_bump_after_pages
        if after <= 0:
            return False
        with self._lock:
            if first_page:
                self._roster_pages[period] = {page}
            else:
                seen = self._roster_pages.setdefault(period, set())
                if page in seen:  # the same page asked again (a retry) is not a new page
                    return False
                seen.add(page)
            if (
                len(self._roster_pages[period]) != after
                or self._stats_bumps[period] >= knobs.stats_revision_bump_limit
            ):
                return False
            self._stats_bumps[period] += 1
            return True


def _json_bytes(payload: Any) -> bytes:
    try:
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except TypeError:
        # A hostile record's RawJson value: rendered by substitution. Normal answers never
        # get here, so their speed does not depend on the hostile_records knob.
        return render_json(payload)


Response = tuple[int, Any, dict[str, str]]


class _RequestError(Exception):
    """Ends a request with this status and JSON body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.response: Response = (status, body, headers or {})


def _query_value(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _int_param(
    query: Mapping[str, list[str]], name: str, default: int, low: int, high: int, error: Any
) -> int:
    """An integer parameter within [low, high]; ``error(message)`` builds the 400 body."""
    text = _query_value(query, name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise _RequestError(400, error(f"{name} must be an integer")) from None
    if not low <= value <= high:
        raise _RequestError(400, error(f"{name} must be within {low}..{high}"))
    return value


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


_EXPIRED_TOKEN_MEMORY_S = 3600.0


def _encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"pos:{position}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "pos" or not number.isdigit():
            raise ValueError(cursor)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _RequestError(
            400, {"error": "invalid_request", "error_description": "bad cursor"}
        ) from None


class _ApprovalDepartment:
    """OAuth client credentials, then an append-only event stream behind opaque cursors.

    A cursor is the stream position after the page it ended, so replaying the last ``after``
    returns the same page grown by whatever arrived since.
    """

    def __init__(
        self,
        events: list[dict[str, Any]],
        credentials: SandboxCredentials,
        faults: _FaultInjector | None = None,
    ):
        self._lock = threading.Lock()
        self._events = copy.deepcopy(events)  # the stream as served, hostile events included
        self._hostile_ids: set[str] = set()
        self._credentials = credentials
        self._faults = faults or _FaultInjector(NO_FAULTS)
        self._token_expiry: dict[str, float] = {}  # token -> time.monotonic() deadline

    def events(self) -> list[dict[str, Any]]:
        """The stream as served, hostile events left out."""
        with self._lock:
            if not self._hostile_ids:
                return copy.deepcopy(self._events)
            return [
                copy.deepcopy(event)
                for event in self._events
                if event["event_id"] not in self._hostile_ids
            ]

    def add_hostile(self, hostile: list[HostileJsonRecord]) -> None:
        """Serve these too, each right after the event it was copied from."""
        with self._lock:
            for item in hostile:
                at = next(
                    index
                    for index, event in enumerate(self._events)
                    if event["event_id"] == item.truth.copy_of
                )
                self._events.insert(at + 1, copy.deepcopy(item.record))
                self._hostile_ids.add(item.truth.source_key)

    def events_before(self, position: int) -> int:
        """How many of ``events()`` precede stream position ``position``."""
        with self._lock:
            if not self._hostile_ids:
                return position
            return sum(
                event["event_id"] not in self._hostile_ids for event in self._events[:position]
            )

    def append(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._events.append(copy.deepcopy(event))

    def expire_tokens(self) -> None:
        now = time.monotonic()
        with self._lock:
            self._token_expiry = {token: now for token in self._token_expiry}

    def issued_tokens(self) -> list[str]:
        with self._lock:
            return list(self._token_expiry)

    def handle(
        self, method: str, path: str, query: Mapping[str, list[str]], headers, body
    ) -> Response:
        if method == "POST" and path == "/oauth/token":
            return self._issue_token(body)
        if method == "GET" and path == "/open/v2/approval-events":
            self._authorize(headers.get("Authorization", ""))
            return self._events_page(query)
        return 404, {"error": "not_found"}, {}

    def _issue_token(self, body: bytes) -> Response:
        form = parse_qs(body.decode("utf-8", "replace"))
        if _query_value(form, "grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}, {}
        credentials = self._credentials
        if (
            _query_value(form, "client_id") != credentials.approval_client_id
            or _query_value(form, "client_secret") != credentials.approval_client_secret
        ):
            return 401, {"error": "invalid_client"}, {}
        token = secrets.token_urlsafe(24)
        now = time.monotonic()
        seconds = self._faults.knobs.approval_token_lifetime_s
        if seconds is None:
            seconds = credentials.approval_token_lifetime_s
        with self._lock:
            # expired tokens are remembered for an hour, to tell "expired" from "unknown"
            self._token_expiry = {
                t: d for t, d in self._token_expiry.items() if d > now - _EXPIRED_TOKEN_MEMORY_S
            }
            self._token_expiry[token] = now + seconds
        self._faults.count("approval.token_issued")
        lifetime = max(1, math.ceil(seconds))
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}, {}

    def _authorize(self, authorization: str) -> None:
        scheme, _, token = authorization.partition(" ")
        with self._lock:
            deadline = self._token_expiry.get(token.strip())
        if scheme.lower() == "bearer" and deadline is not None and deadline <= time.monotonic():
            self._faults.count("approval.expired_token_401")
        if scheme.lower() != "bearer" or deadline is None or deadline <= time.monotonic():
            raise _RequestError(
                401,
                {"error": "invalid_token", "error_description": "token unknown or expired"},
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )

    def _events_page(self, query: Mapping[str, list[str]]) -> Response:
        after = _query_value(query, "after")
        position = _decode_cursor(after) if after else 0
        limit = _int_param(
            query,
            "limit",
            200,
            1,
            1000,
            lambda m: {"error": "invalid_request", "error_description": m},
        )
        with self._lock:
            page = copy.deepcopy(self._events[position : position + limit])
            end = position + len(page)
            caught_up = end >= len(self._events)
        return 200, {"events": page, "next_cursor": None if caught_up else _encode_cursor(end)}, {}


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


@dataclass(frozen=True)
class LandDelivery:
    """One land file as the sandbox delivered it (or is still writing it).

    Attributes:
        name: ``land_supply_YYYYMMDD.csv``.
        rows: its data rows, in file order, as given (broken ones included, unbroken;
            hostile ones not).
        lines: the file line on which each row starts (the header is line 1).
        broken: line → the bytes written for that row (without ``\\r\\n``) where a byte
            invalid in GB18030 was put in; those rows cannot be read.
        content: the file's complete bytes.
        done: whether its ``.done`` marker exists (until then the file may be half-written).
        hostile: line → the bytes written (without ``\\r\\n``) of a hostile row put in
            (``FaultKnobs.hostile_records``; what each is: ``hostile_records()``).
    """

    name: str
    rows: list[dict[str, str]]
    lines: list[int]
    broken: dict[int, bytes]
    content: bytes
    done: bool
    hostile: dict[int, bytes] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def readable_rows(self) -> list[tuple[int, dict[str, str]]]:
        """(line, row) of every row a reader can decode, in file order."""
        return [
            (line, row)
            for line, row in zip(self.lines, self.rows, strict=True)
            if line not in self.broken
        ]


#: What is put into a row to make it undecodable: 0xFF is never a GB18030 byte.
INVALID_GB18030 = b"\xff"


class _LandDepartment:
    """The land bureau's drop folder: writes files (maybe broken, maybe late) and markers."""

    def __init__(self, directory: Path, land_files: list[LandFile], faults: _FaultInjector):
        self._lock = threading.Lock()
        self.directory = Path(directory)
        self._initial = list(land_files)
        self._faults = faults
        self._deliveries: dict[str, LandDelivery] = {}
        self._due: dict[str, int] = {}  # name -> listing count at which its marker appears
        self._listings = 0

    def start(self, hostile: list[HostileLandRow]) -> list[int]:
        """Write the initial files with the ``hostile`` rows put in; returns the line each
        hostile row was written on."""
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            return self._write_locked(
                self._initial, self._faults.knobs.broken_encoding_rows, hostile
            )

    def initial_files(self) -> list[LandFile]:
        return list(self._initial)

    def add(self, land_file: LandFile) -> Path:
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._write_locked([land_file], self._faults.knobs.broken_encoding_rows)
            return self.directory / land_file.name

    def _write_locked(
        self,
        land_files: list[LandFile],
        broken_rows: int,
        hostile: list[HostileLandRow] | None = None,
    ) -> list[int]:
        """Write the files; ``hostile`` rows (``file_index`` into ``land_files``) go in after
        their template row. Returns the line each hostile row was written on."""
        rendered = [_render_rows(land_file.rows) for land_file in land_files]
        broken = self._choose_broken(land_files, rendered, broken_rows)
        late = self._faults.knobs.late_done_markers
        hostile = hostile or []
        hostile_after: dict[tuple[int, int], list[int]] = {}  # -> indexes into hostile
        for number, item in enumerate(hostile):
            hostile_after.setdefault((item.file_index, item.after_row), []).append(number)
        hostile_at = [0] * len(hostile)
        for index, land_file in enumerate(land_files):
            header, row_bytes = rendered[index]
            damaged_rows = broken.get(index, set())
            for row_index in damaged_rows:
                data = row_bytes[row_index]
                comma = data.index(b",") + 1
                row_bytes[row_index] = data[:comma] + INVALID_GB18030 + data[comma:]
            # The file's rows in order, each hostile row right after its template.
            pieces: list[bytes] = []
            lines: list[int] = []
            damaged: dict[int, bytes] = {}
            hostile_lines: dict[int, bytes] = {}
            line = 2
            for row_index, data in enumerate(row_bytes):
                lines.append(line)
                if row_index in damaged_rows:
                    damaged[line] = data.removesuffix(b"\r\n")
                pieces.append(data)
                line += data.count(b"\n")
                for number in hostile_after.get((index, row_index), []):
                    data = hostile[number].data
                    hostile_at[number] = line
                    hostile_lines[line] = data.removesuffix(b"\r\n")
                    pieces.append(data)
                    line += data.count(b"\n")
            if damaged:
                self._faults.count("land.broken_row", len(damaged))
            content = header + b"".join(pieces)
            path = self.directory / land_file.name
            marker = self.directory / (land_file.name + DONE_SUFFIX)
            delay = 0
            if land_file.marked_done and late > 0 and not marker.exists():
                with self._faults.rng("land:late") as rng:
                    delay = rng.randint(0, late)
            if delay:
                # still being written: the first half of its rows, no marker yet
                half = header + b"".join(pieces[: len(pieces) // 2])
                _write_file(self.directory, path, half)
                self._due[land_file.name] = self._listings + delay
                self._faults.count("land.late_marker")
            else:
                _write_file(self.directory, path, content)
                self._due.pop(land_file.name, None)
                if land_file.marked_done and not marker.exists():
                    marker.touch()
            self._deliveries[land_file.name] = LandDelivery(
                name=land_file.name,
                rows=copy.deepcopy(land_file.rows),
                lines=lines,
                broken=damaged,
                content=content,
                done=marker.exists(),
                hostile=hostile_lines,
            )
        return hostile_at

    def _choose_broken(
        self,
        land_files: list[LandFile],
        rendered: list[tuple[bytes, list[bytes]]],
        how_many: int,
    ) -> dict[int, set[int]]:
        """Rows to break: single-line rows whose first field is not quoted."""
        if how_many <= 0:
            return {}
        candidates = [
            (file_index, row_index)
            for file_index, (_, row_bytes) in enumerate(rendered)
            for row_index, data in enumerate(row_bytes)
            if data.count(b"\n") == 1 and not data.startswith(b'"') and b"," in data
        ]
        with self._faults.rng("land:broken") as rng:
            chosen = rng.sample(candidates, min(how_many, len(candidates)))
        broken: dict[int, set[int]] = {}
        for file_index, row_index in chosen:
            broken.setdefault(file_index, set()).add(row_index)
        return broken

    def _complete_locked(self, name: str) -> None:
        delivery = self._deliveries[name]
        _write_file(self.directory, self.directory / name, delivery.content)
        (self.directory / (name + DONE_SUFFIX)).touch()
        self._due.pop(name, None)
        self._deliveries[name] = dataclasses.replace(delivery, done=True)

    def advance(self, listings: int) -> list[str]:
        with self._lock:
            self._listings += listings
            due = sorted(name for name, at in self._due.items() if at <= self._listings)
            for name in due:
                self._complete_locked(name)
            return due

    def mark_done(self, name: str) -> None:
        with self._lock:
            if name in self._due:
                self._complete_locked(name)
                return
            if not (self.directory / name).exists():
                raise FileNotFoundError(self.directory / name)
            (self.directory / (name + DONE_SUFFIX)).touch()
            delivery = self._deliveries.get(name)
            if delivery is not None:
                self._deliveries[name] = dataclasses.replace(delivery, done=True)

    def pending(self) -> list[str]:
        with self._lock:
            return sorted(self._due)

    def deliveries(self) -> list[LandDelivery]:
        with self._lock:
            return [copy.deepcopy(self._deliveries[name]) for name in sorted(self._deliveries)]


def _render_rows(rows: list[dict[str, str]]) -> tuple[bytes, list[bytes]]:
    """The header's bytes and each row's, exactly as ``render_land_file`` writes them."""
    header = render_land_file([])
    return header, [render_land_file([row])[len(header) :] for row in rows]


def _write_file(directory: Path, path: Path, content: bytes) -> None:
    """Write under a temporary name and rename into place; leave identical bytes alone."""
    if path.exists() and path.read_bytes() == content:
        return
    staging = directory / f".{path.name}.partial"
    staging.write_bytes(content)
    os.replace(staging, path)


class _JsonHandler(BaseHTTPRequestHandler):
    """Hands each request to the server's department and writes its JSON answer.

    HTTP/1.0 (one request per connection) keeps shutdown prompt: no idle keep-alive
    connection holds a handler thread open.
    """

    server: _DepartmentServer
    timeout = 10

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        faults = self.server.faults
        fault = faults.before(self.server.name)
        if fault is not None:
            self._send(fault.status, fault.body, fault.content_type, fault.headers)
            return
        try:
            status, payload, headers = self.server.department.handle(
                method, url.path, parse_qs(url.query, keep_blank_values=True), self.headers, body
            )
        except _RequestError as error:
            status, payload, headers = error.response
        except Exception:
            logger.exception("sandbox %s failed on %s %s", self.server.name, method, self.path)
            status, payload, headers = 500, {"error": "internal error"}, {}
        data = _json_bytes(payload)
        cut = faults.truncation(self.server.name) if 200 <= status < 300 else None
        self._send(status, data, "application/json; charset=utf-8", headers, cut=cut)

    def _send(
        self,
        status: int,
        data: bytes,
        content_type: str,
        headers: Mapping[str, str],
        *,
        cut: str | None = None,
    ) -> None:
        """Write one answer; ``cut`` sends only part of it (``short_body``: the full
        Content-Length is announced; ``cut_json``: no length) and closes the connection."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if cut != "cut_json":
            self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if cut is not None:
            data = data[: max(1, len(data) // 2)]
            self.close_connection = True
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no line on stderr per request."""


class _DepartmentServer(ThreadingHTTPServer):
    """One department on one port. Handler threads are joined on close."""

    daemon_threads = False
    block_on_close = True

    def __init__(
        self,
        name: str,
        address: tuple[str, int],
        department: Any,
        faults: _FaultInjector | None = None,
    ):
        self.name = name
        self.department = department
        self.faults = faults or _FaultInjector(NO_FAULTS)
        super().__init__(address, _JsonHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-response is its business; keep stderr quiet.
        logger.debug("sandbox %s: error serving %s", self.name, client_address, exc_info=True)


class SandboxDepartments:
    """The four departments serving one scenario; a context manager.

    ``ports`` override the contract's defaults (commerce 8101, approval 8102, stats 8104);
    port 0 picks a free one. ``urls`` holds each department's base URL once started (and
    keeps it after ``stop_department``, so a client sees a refused connection).
    ``faults`` (see ``FaultKnobs``) can be given here or assigned later to ``faults``.
    """

    def __init__(
        self,
        scenario: Scenario,
        land_dir: Path | str,
        *,
        host: str = "127.0.0.1",
        ports: Mapping[str, int] | None = None,
        credentials: SandboxCredentials = SandboxCredentials(),  # frozen: safe to share
        faults: FaultKnobs = NO_FAULTS,  # frozen: safe to share
    ):
        unknown = set(ports or {}) - set(HTTP_DEPARTMENTS)
        if unknown:
            raise ValueError(f"no such HTTP department: {sorted(unknown)}")
        self.land_dir = Path(land_dir)
        self.host = host
        self.credentials = credentials
        self._ports = {**DEFAULT_PORTS, **(ports or {})}
        self._faults = _FaultInjector(faults)
        self._truth = scenario.truth
        self._hostile: dict[str, list[HostileRecord]] | None = None  # planted at first start
        self._hostile_land_rows: list[HostileLandRow] = []
        self._land = _LandDepartment(self.land_dir, list(scenario.land_files), self._faults)
        self._commerce = _CommerceDepartment(
            scenario.commerce_records, credentials.commerce_key, self._faults
        )
        self._approval = _ApprovalDepartment(scenario.approval_events, credentials, self._faults)
        self._stats = _StatsDepartment(
            scenario.stats_periods, credentials.stats_token, self._faults
        )
        self._departments = {
            "commerce": self._commerce,
            "approval": self._approval,
            "stats": self._stats,
        }
        self._servers: dict[str, tuple[_DepartmentServer, threading.Thread]] = {}
        self.urls: dict[str, str] = {}

    def __enter__(self) -> SandboxDepartments:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Write the land files, then open every HTTP department (all or none)."""
        if self._servers:
            raise RuntimeError("sandbox departments already started")
        if self._hostile is None:
            self._hostile = self._plant_hostile_records()
        lines = self._land.start(self._hostile_land_rows)
        if self._hostile_land_rows:
            self._hostile["land"] = [
                dataclasses.replace(row.truth, line=line)
                for row, line in zip(self._hostile_land_rows, lines, strict=True)
            ]
        try:
            for name in HTTP_DEPARTMENTS:
                server = _DepartmentServer(
                    name, (self.host, self._ports[name]), self._departments[name], self._faults
                )
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.1},
                    name=f"sandbox-{name}",
                    daemon=True,
                )
                thread.start()
                self._servers[name] = (server, thread)
                self.urls[name] = f"http://{self.host}:{server.server_address[1]}"
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every department still running: threads joined, ports released."""
        for name in list(self._servers):
            self.stop_department(name)

    def stop_department(self, name: str) -> None:
        """Stop one HTTP department (a test's "source unavailable"); its URL stays in ``urls``."""
        server, thread = self._servers.pop(name)
        server.shutdown()
        server.server_close()
        thread.join()

    def env(self) -> dict[str, str]:
        """The HUB_SOURCE_* variables pointing the hub at these departments."""
        if set(self.urls) != set(HTTP_DEPARTMENTS):
            raise RuntimeError("start() the sandbox departments before asking for their env")
        credentials = self.credentials
        return {
            "HUB_SOURCE_COMMERCE_URL": self.urls["commerce"],
            "HUB_SOURCE_COMMERCE_KEY": credentials.commerce_key,
            "HUB_SOURCE_APPROVAL_URL": self.urls["approval"],
            "HUB_SOURCE_APPROVAL_CLIENT_ID": credentials.approval_client_id,
            "HUB_SOURCE_APPROVAL_CLIENT_SECRET": credentials.approval_client_secret,
            "HUB_SOURCE_STATS_URL": self.urls["stats"],
            "HUB_SOURCE_STATS_TOKEN": credentials.stats_token,
            "HUB_SOURCE_LAND_DIR": str(self.land_dir.resolve()),
        }

    # ------------------------------------------------------------------ faults

    @property
    def faults(self) -> FaultKnobs:
        """The fault knobs in force (all off unless set)."""
        return self._faults.knobs

    @faults.setter
    def faults(self, knobs: FaultKnobs) -> None:
        """Change the knobs now (reseeds the fault generators, resets per-setting limits)."""
        self._faults.configure(knobs)

    def fault_counts(self) -> dict[str, int]:
        """What the knobs actually did so far, e.g. ``{"commerce.http_503": 2,
        "approval.expired_token_401": 1, "stats.revision_bump": 1, "land.broken_row": 3,
        "stats.hostile_records": 12}``."""
        return self._faults.counts()

    def hostile_records(self) -> list[HostileRecord]:
        """Every hostile record served (``FaultKnobs.hostile_records``): department by
        department (commerce, approval, land, stats), in the order the kinds were cycled.
        Each says its key (land: also file and line; None for a row without readable cells),
        its kind, the field made hostile and the reject reasons the hub must give it.
        Empty until ``start()``."""
        planted = self._hostile or {}
        return [record for name in HOSTILE_DEPARTMENTS for record in planted.get(name, [])]

    def _plant_hostile_records(self) -> dict[str, list[HostileRecord]]:
        """Make the hostile records the knobs ask for and hand them to the departments (land
        rows wait for ``_land.start``, which learns their lines)."""
        knobs = self.faults
        if knobs.hostile_records <= 0:
            return {}
        planters = {
            "commerce": self._plant_hostile_commerce,
            "approval": self._plant_hostile_approval,
            "land": self._plant_hostile_land,
            "stats": self._plant_hostile_stats,
        }
        planted = {}
        for name in knobs.hostile_departments:
            # Fresh keys avoid every key the scenario ever gave, served or not.
            taken = {key for system, key in self._truth.record_owner if system == name}
            planted[name] = planters[name](knobs.hostile_records, taken)
            self._faults.count(f"{name}.hostile_records", len(planted[name]))
        return planted

    # Templates are valid records that could be evidence: never one of the scenario's broken
    # copies, so the one hostile value is the only thing wrong with a hostile record.

    def _is_bad(self, name: str, key: str) -> bool:
        return (name, key) in self._truth.bad_records

    def _plant_hostile_commerce(self, how_many: int, taken: set[str]) -> list[HostileRecord]:
        held = self._commerce.records()
        taken |= {r["project_no"] for r in held}
        templates = [
            r for r in held if not r["is_deleted"] and not self._is_bad("commerce", r["project_no"])
        ]
        with self._faults.rng("hostile:commerce") as rng:
            made = make_json_records("commerce", templates, how_many, rng, taken)
        self._commerce.add_hostile(made)
        return [item.truth for item in made]

    def _plant_hostile_approval(self, how_many: int, taken: set[str]) -> list[HostileRecord]:
        held = self._approval.events()
        taken |= {e["event_id"] for e in held}
        templates = [
            e
            for e in held
            if e["decision"] == "准予"
            and e["supersedes_event_id"] is None
            and not self._is_bad("approval", e["event_id"])
        ]
        with self._faults.rng("hostile:approval") as rng:
            made = make_json_records("approval", templates, how_many, rng, taken)
        self._approval.add_hostile(made)
        return [item.truth for item in made]

    def _plant_hostile_stats(self, how_many: int, taken: set[str]) -> list[HostileRecord]:
        latest = self._stats.latest_period()
        if latest is None:
            return []
        taken |= {
            row["stat_project_id"]
            for period in self._stats.periods(include_superseded=True)
            for row in period.rows
        }
        templates = [
            row for row in latest.rows if not self._is_bad("stats", row["stat_project_id"])
        ]
        with self._faults.rng("hostile:stats") as rng:
            made = make_json_records("stats", templates, how_many, rng, taken)
        self._stats.add_hostile(latest.period, made)
        return [dataclasses.replace(item.truth, period=latest.period) for item in made]

    def _plant_hostile_land(self, how_many: int, taken: set[str]) -> list[HostileRecord]:
        files = self._land.initial_files()
        taken |= {row["宗地编号"] for land_file in files for row in land_file.rows}
        templates = [
            (file_index, row_index, row)
            for file_index, land_file in enumerate(files)
            for row_index, row in enumerate(land_file.rows)
            if row["状态"] == "有效"
            and not self._is_bad("land", row["宗地编号"])
            and land_cells_are_plain(row)
        ]
        # Most daily files hold a row or two: prefer templates with a row after them, so that
        # a hostile row sits between two normal ones — unless too few, then spread them out.
        followed = [(f, r, row) for f, r, row in templates if r + 1 < len(files[f].rows)]
        if len(followed) >= how_many:
            templates = followed
        with self._faults.rng("hostile:land") as rng:
            self._hostile_land_rows = make_land_rows(
                templates,
                [land_file.name for land_file in files],
                how_many,
                rng,
                taken,
            )
        # lines still unknown: start() replaces these once the files are written
        return [row.truth for row in self._hostile_land_rows]

    def advance_land_markers(self, listings: int = 1) -> list[str]:
        """The hub listed the land folder ``listings`` more times (the sandbox cannot see a
        directory being read, so the caller says so): files whose late marker is due now are
        completed and marked. Returns their names."""
        return self._land.advance(listings)

    def pending_land_markers(self) -> list[str]:
        """Files dropped but not marked done yet because of ``late_done_markers``."""
        return self._land.pending()

    # ------------------------------------------------------------------ what is served

    def commerce_records(self) -> list[dict[str, Any]]:
        """Every commerce record as served now (latest version of each), in feed order;
        hostile records (``hostile_records()``) left out, here and in the other views."""
        return self._commerce.records()

    def commerce_concurrently_updated(self) -> list[str]:
        """project_no of the records moved by ``commerce_concurrent_updates``, in order."""
        return self._commerce.drifted_keys()

    def approval_events(self) -> list[dict[str, Any]]:
        """The approval event stream as served now, in order."""
        return self._approval.events()

    def approval_cursor_position(self, cursor: str | None) -> int:
        """How many events of ``approval_events()`` precede an ``after`` cursor (None = 0);
        hostile events are not counted. Raises ValueError for a string that is not one of
        this sandbox's cursors."""
        if not cursor:
            return 0
        try:
            position = _decode_cursor(cursor)
        except _RequestError:
            raise ValueError(f"not an approval cursor: {cursor!r}") from None
        return self._approval.events_before(position)

    def stats_periods(self, *, include_superseded: bool = False) -> list[StatsPeriod]:
        """Published stats revisions: the current one of each period, or every revision
        published since start (``current`` False for the replaced ones)."""
        return self._stats.periods(include_superseded=include_superseded)

    def stats_revisions_bumped(self) -> list[tuple[str, int]]:
        """(period, new revision) published mid-pull by ``stats_revision_bump_after_pages``."""
        return self._stats.bumped_revisions()

    def land_deliveries(self) -> list[LandDelivery]:
        """Every land file written so far (latest delivery of each name), in name order."""
        return self._land.deliveries()

    # ------------------------------------------------------------------ changing the world

    def upsert_commerce_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """Insert or replace a commerce record; returns it as served, with its new updated_at
        (now, and later than every record so far)."""
        return self._commerce.upsert(record)

    def append_approval_event(self, event: dict[str, Any]) -> None:
        """Append an event to the stream (served as given, after all earlier ones)."""
        self._approval.append(event)

    def expire_approval_tokens(self) -> None:
        """Make every token issued so far expired, without waiting for its lifetime."""
        self._approval.expire_tokens()

    def approval_tokens_issued(self) -> list[str]:
        """The bearer tokens approval issued in the last hour (secrets too: a test looks for
        them where they must never be)."""
        return self._approval.issued_tokens()

    def set_stats_period(
        self, period: str, revision: int, rows: list[dict[str, Any]], closed: bool
    ) -> None:
        """Publish (a new revision of) a period's roster. Raises ValueError for a change the
        bureau never makes: to a closed period, or to an older revision."""
        self._stats.set_period(StatsPeriod(period, revision, closed, rows))

    def add_land_file(self, land_file: LandFile) -> Path:
        """Drop a file (and its marker if ``marked_done``) into the land folder now. The land
        fault knobs apply (a late marker, broken rows). A file given again with different
        content replaces the delivered one (the contract's "re-delivered" incident)."""
        return self._land.add(land_file)

    def mark_land_file_done(self, name: str) -> None:
        """Write the ``.done`` marker of a file dropped unmarked (completing it first if it
        is still being written because of ``late_done_markers``)."""
        self._land.mark_done(name)


def serve_forever(
    size: int,
    seed: int,
    land_dir: Path | str,
    truth_path: Path | str | None = None,
    ports: Mapping[str, int] | None = None,
    *,
    host: str = "127.0.0.1",
    credentials: SandboxCredentials | None = None,
    faults: FaultKnobs | None = None,
    name_variation: str = "none",
) -> None:
    """Generate a scenario, serve it, and block until SIGINT or SIGTERM (``hub sandbox serve``).

    Prints the environment for the hub on stdout as ``export NAME=value`` lines (so
    ``eval "$(hub sandbox serve ...)"``-style wrappers can pick them up) and writes the
    ground truth as JSON to ``truth_path`` when given — with a ``hostile_records`` list
    (``HostileRecord.to_json()``) when the knob is on. Must run in the main thread (signals).
    ``name_variation`` is ``generate_scenario``'s (``--names``: how clerks write names).
    """
    scenario = generate_scenario(size, seed, name_variation=name_variation)
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stop_requested.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with SandboxDepartments(
            scenario,
            land_dir,
            host=host,
            ports=ports,
            credentials=credentials or SandboxCredentials(),
            faults=faults or NO_FAULTS,
        ) as departments:
            hostile = departments.hostile_records()
            if truth_path:
                extra = {"hostile_records": [r.to_json() for r in hostile]} if hostile else {}
                scenario.truth.write(truth_path, extra=extra)
            for name, value in departments.env().items():
                print(f"export {name}={shlex.quote(value)}", flush=True)
            counts = ", ".join(f"{stage} {n}" for stage, n in scenario.truth.stage_counts().items())
            mixed_in = f"; {len(hostile)} hostile records mixed in" if hostile else ""
            print(
                f"sandbox serving {size} true projects (seed {seed}): {counts}{mixed_in}."
                " Ctrl-C stops.",
                file=sys.stderr,
                flush=True,
            )
            while not stop_requested.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
