"""How the departments misbehave: the knobs (``FaultKnobs``, all off by default) and the
injector that plays them, seeded per department and kind of fault, and counts what it did."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from hub.sandbox.hostile import HOSTILE_DEPARTMENTS
from hub.sandbox.servers.protocol import _json_bytes


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
