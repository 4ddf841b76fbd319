"""The approval bureau: OAuth client credentials, then an append-only event stream behind
opaque cursors."""

from __future__ import annotations

import base64
import binascii
import copy
import math
import secrets
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from hub.sandbox.hostile import HostileJsonRecord
from hub.sandbox.servers.credentials import SandboxCredentials
from hub.sandbox.servers.faults import NO_FAULTS, _FaultInjector
from hub.sandbox.servers.protocol import Response, _int_param, _query_value, _RequestError

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
