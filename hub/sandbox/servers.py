"""Loopback stand-ins for the departments, serving a Scenario exactly as the contracts say.

Each HTTP department (commerce, approval, stats) is a standard-library ThreadingHTTPServer
on its own port, so the hub's connectors talk to it exactly as they would to the real system:
same paths, auth, pagination, envelopes and error statuses (``contracts/sources/*.md``). The
land bureau has no API: its daily files are written into a folder at ``start()``.

The served data can change while serving (``upsert_commerce_record``,
``append_approval_event``, ``set_stats_period``, ``add_land_file``) so tests can stage what
happens between two syncs or in the middle of one. Every department guards its data with a
lock; handlers copy what they send while holding it.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import copy
import json
import logging
import math
import secrets
import shlex
import signal
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hub.sandbox.land_files import DONE_SUFFIX, write_land_files
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

    def __init__(self, records: list[dict[str, Any]], api_key: str):
        self._lock = threading.Lock()
        self._api_key = api_key
        self._records = {record["project_no"]: copy.deepcopy(record) for record in records}
        self._ordered: list[tuple[datetime, str, dict[str, Any]]] | None = None

    def upsert(self, record: dict[str, Any]) -> dict[str, Any]:
        """Insert or replace by project_no, stamped with an updated_at later than any so far."""
        with self._lock:
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
        with self._lock:
            if self._ordered is None:
                self._ordered = sorted(
                    (datetime.fromisoformat(r["updated_at"]), r["project_no"], r)
                    for r in self._records.values()
                )
            matching = self._ordered
            if since is not None:
                matching = matching[bisect.bisect_left(matching, (since, "")) :]
            start = (page - 1) * page_size
            items = [copy.deepcopy(record) for _, _, record in matching[start : start + page_size]]
            total = len(matching)
        data = {"total": total, "page": page, "page_size": page_size, "items": items}
        return 200, {"code": 0, "message": "success", "data": data}, {}


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

    def __init__(self, events: list[dict[str, Any]], credentials: SandboxCredentials):
        self._lock = threading.Lock()
        self._events = copy.deepcopy(events)
        self._credentials = credentials
        self._token_expiry: dict[str, float] = {}  # token -> time.monotonic() deadline

    def append(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._events.append(copy.deepcopy(event))

    def expire_tokens(self) -> None:
        with self._lock:
            self._token_expiry.clear()

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
        with self._lock:
            self._token_expiry = {t: d for t, d in self._token_expiry.items() if d > now}
            self._token_expiry[token] = now + credentials.approval_token_lifetime_s
        lifetime = max(1, math.ceil(credentials.approval_token_lifetime_s))
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}, {}

    def _authorize(self, authorization: str) -> None:
        scheme, _, token = authorization.partition(" ")
        with self._lock:
            deadline = self._token_expiry.get(token.strip())
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
    """``/api/fai/periods`` and keyset-paginated ``/api/fai/roster``; current revisions only."""

    def __init__(self, periods: list[StatsPeriod], token: str):
        self._lock = threading.Lock()
        self._token = token
        self._current: dict[str, StatsPeriod] = {}
        for period in periods:
            if period.current:
                self._current[period.period] = self._sorted_copy(period)

    @staticmethod
    def _sorted_copy(period: StatsPeriod) -> StatsPeriod:
        rows = sorted(copy.deepcopy(period.rows), key=lambda row: row["stat_project_id"])
        return StatsPeriod(period.period, period.revision, period.closed, rows, current=True)

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
            self._current[period.period] = self._sorted_copy(period)

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
            rows = period.rows
            start = 0
            if after:
                keys = [row["stat_project_id"] for row in rows]
                start = bisect.bisect_right(keys, after)
            page = copy.deepcopy(rows[start : start + limit])
            more = start + limit < len(rows)
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
        try:
            status, payload, headers = self.server.department.handle(
                method, url.path, parse_qs(url.query, keep_blank_values=True), self.headers, body
            )
        except _RequestError as error:
            status, payload, headers = error.response
        except Exception:
            logger.exception("sandbox %s failed on %s %s", self.server.name, method, self.path)
            status, payload, headers = 500, {"error": "internal error"}, {}
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no line on stderr per request."""


class _DepartmentServer(ThreadingHTTPServer):
    """One department on one port. Handler threads are joined on close."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, name: str, address: tuple[str, int], department: Any):
        self.name = name
        self.department = department
        super().__init__(address, _JsonHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-response is its business; keep stderr quiet.
        logger.debug("sandbox %s: error serving %s", self.name, client_address, exc_info=True)


class SandboxDepartments:
    """The four departments serving one scenario; a context manager.

    ``ports`` override the contract's defaults (commerce 8101, approval 8102, stats 8104);
    port 0 picks a free one. ``urls`` holds each department's base URL once started (and
    keeps it after ``stop_department``, so a client sees a refused connection).
    """

    def __init__(
        self,
        scenario: Scenario,
        land_dir: Path | str,
        *,
        host: str = "127.0.0.1",
        ports: Mapping[str, int] | None = None,
        credentials: SandboxCredentials = SandboxCredentials(),  # frozen: safe to share
    ):
        unknown = set(ports or {}) - set(HTTP_DEPARTMENTS)
        if unknown:
            raise ValueError(f"no such HTTP department: {sorted(unknown)}")
        self.land_dir = Path(land_dir)
        self.host = host
        self.credentials = credentials
        self._ports = {**DEFAULT_PORTS, **(ports or {})}
        self._land_files = list(scenario.land_files)
        self._commerce = _CommerceDepartment(scenario.commerce_records, credentials.commerce_key)
        self._approval = _ApprovalDepartment(scenario.approval_events, credentials)
        self._stats = _StatsDepartment(scenario.stats_periods, credentials.stats_token)
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
        write_land_files(self._land_files, self.land_dir)
        try:
            for name in HTTP_DEPARTMENTS:
                server = _DepartmentServer(
                    name, (self.host, self._ports[name]), self._departments[name]
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

    def set_stats_period(
        self, period: str, revision: int, rows: list[dict[str, Any]], closed: bool
    ) -> None:
        """Publish (a new revision of) a period's roster. Raises ValueError for a change the
        bureau never makes: to a closed period, or to an older revision."""
        self._stats.set_period(StatsPeriod(period, revision, closed, rows))

    def add_land_file(self, land_file: LandFile) -> Path:
        """Drop a file (and its marker if ``marked_done``) into the land folder now."""
        self._land_files.append(land_file)
        return write_land_files([land_file], self.land_dir)[0]

    def mark_land_file_done(self, name: str) -> None:
        """Write the ``.done`` marker of a file dropped unmarked."""
        if not (self.land_dir / name).exists():
            raise FileNotFoundError(self.land_dir / name)
        (self.land_dir / (name + DONE_SUFFIX)).touch()


def serve_forever(
    size: int,
    seed: int,
    land_dir: Path | str,
    truth_path: Path | str | None = None,
    ports: Mapping[str, int] | None = None,
    *,
    host: str = "127.0.0.1",
    credentials: SandboxCredentials | None = None,
) -> None:
    """Generate a scenario, serve it, and block until SIGINT or SIGTERM (``hub sandbox serve``).

    Prints the environment for the hub on stdout as ``export NAME=value`` lines (so
    ``eval "$(hub sandbox serve ...)"``-style wrappers can pick them up) and writes the
    ground truth as JSON to ``truth_path`` when given. Must run in the main thread (signals).
    """
    scenario = generate_scenario(size, seed)
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
        ) as departments:
            if truth_path:
                scenario.truth.write(truth_path)
            for name, value in departments.env().items():
                print(f"export {name}={shlex.quote(value)}", flush=True)
            counts = ", ".join(f"{stage} {n}" for stage, n in scenario.truth.stage_counts().items())
            print(
                f"sandbox serving {size} true projects (seed {seed}): {counts}. Ctrl-C stops.",
                file=sys.stderr,
                flush=True,
            )
            while not stop_requested.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
