"""Approval open-API client: OAuth client-credentials token handling and one page of
events; no sync logic."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from connectors.approval.settings import (
    EVENTS_PATH,
    SOURCE_SYSTEM,
    TOKEN_PATH,
    ApprovalSettings,
)
from connectors.common.http import (
    RETRY_STATUSES_WITH_500,
    InvalidResponse,
    SourceAuthError,
    SourceRequestError,
    client_from_settings,
    json_object,
)

#: expires_in assumed when the token answer omits it.
DEFAULT_EXPIRES_IN = 300.0


class TokenRejected(SourceAuthError):
    """The token endpoint refused our client credentials."""


@dataclass(frozen=True, slots=True)
class EventsPage:
    events: list[dict[str, Any]]
    next_cursor: str | None


def _interpret_token(response: requests.Response) -> tuple[str, float]:
    body = json_object(response)
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise InvalidResponse("token answer has no access_token")
    token_type = body.get("token_type", "Bearer")
    if isinstance(token_type, str) and token_type.lower() != "bearer":
        raise InvalidResponse(f"unsupported token_type {token_type!r}")
    expires_in = body.get("expires_in", DEFAULT_EXPIRES_IN)
    try:
        seconds = float(expires_in)
    except (TypeError, ValueError):
        raise InvalidResponse(f"expires_in is not a number: {expires_in!r}") from None
    return token, max(seconds, 0.0)


def _interpret_events(response: requests.Response) -> EventsPage:
    body = json_object(response)
    events = body.get("events")
    if events is None:
        events = []
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise InvalidResponse("events is not a list of objects")
    cursor = body.get("next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        cursor = str(cursor)
    return EventsPage(events=events, next_cursor=cursor or None)


class ApprovalClient:
    """Bearer-token access to the approval events.

    The token is fetched on first use, cached, renewed shortly before ``expires_in`` runs
    out, and renewed once more when a request is answered 401 (that request is then retried
    once with the new token; a second 401 fails).
    """

    def __init__(
        self,
        settings: ApprovalSettings,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
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
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self.tokens_fetched = 0

    def close(self) -> None:
        self.http.close()

    # ---------------------------------------------------------------- token

    def invalidate_token(self) -> None:
        self._token = None

    def _fetch_token(self) -> str:
        asked_at = self._clock()
        try:
            token, expires_in = self.http.call(
                "POST",
                TOKEN_PATH,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.settings.client_id,
                    "client_secret": self.settings.client_secret,
                },
                interpret=_interpret_token,
            )
        except SourceAuthError as exc:
            raise TokenRejected(
                SOURCE_SYSTEM,
                exc.url,
                f"client credentials rejected: {exc.cause}",
                status=exc.status,
            ) from None
        except SourceRequestError as exc:
            if exc.status in (400, 401, 403):  # OAuth answers invalid_client with 400 too
                raise TokenRejected(
                    SOURCE_SYSTEM,
                    exc.url,
                    f"client credentials rejected: {exc.cause}",
                    status=exc.status,
                ) from None
            raise
        margin = min(self.settings.token_refresh_margin, expires_in / 10)
        self._token = token
        self._renew_at = asked_at + expires_in - margin
        self.tokens_fetched += 1
        return token

    def token(self) -> str:
        """A token valid for a while yet (fetched or renewed when needed)."""
        if self._token is None or self._clock() >= self._renew_at:
            return self._fetch_token()
        return self._token

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    # ---------------------------------------------------------------- data

    def events_page(self, after: str | None) -> EventsPage:
        """Events after the cursor (None = from the beginning), at most ``limit``."""
        params: dict[str, Any] = {}
        if after is not None:
            params["after"] = after
        params["limit"] = self.settings.limit
        try:
            return self._get_events(params)
        except TokenRejected:
            raise
        except SourceAuthError:
            # Expired or revoked token: renew once, retry once; a second 401 propagates.
            self.invalidate_token()
            return self._get_events(params)

    def _get_events(self, params: dict[str, Any]) -> EventsPage:
        return self.http.call(
            "GET",
            EVENTS_PATH,
            params=params,
            headers=self._auth_headers,
            interpret=_interpret_events,
        )
