"""Commerce platform client: auth and one page of ``/api/v1/projects``; no sync logic."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from connectors.commerce.settings import PROJECTS_PATH, SOURCE_SYSTEM, CommerceSettings
from connectors.common.http import (
    InvalidResponse,
    RetryableResponse,
    client_from_settings,
    json_object,
)

#: A business code sent as a string: "0", "50001", "-1".
_CODE_TEXT = re.compile(r"-?[0-9]{1,18}")

#: Business error codes (in an HTTP 200 body) that mean "busy, try again".
TRANSIENT_CODES = range(50001, 50100)


@dataclass(frozen=True, slots=True)
class ProjectsPage:
    total: int
    page: int
    page_size: int
    items: list[dict[str, Any]]


def interpret_envelope(response: requests.Response) -> dict[str, Any]:
    """Unwrap ``{"code", "message", "data"}``: code 0 → data; 50001–50099 → retry; else fail."""
    body = json_object(response)
    code = body.get("code")
    message = body.get("message")
    # Not str.isdigit(): it also says yes to "²" and "--5", which int() refuses (a
    # ValueError out of the page instead of a business error).
    if isinstance(code, str) and _CODE_TEXT.fullmatch(code.strip()):
        code = int(code)
    if code == 0:
        data = body.get("data")
        if not isinstance(data, dict):
            raise InvalidResponse(f"code 0 but data is {type(data).__name__}, not an object")
        return data
    if isinstance(code, int) and not isinstance(code, bool) and code in TRANSIENT_CODES:
        raise RetryableResponse(f"business error {code}: {message}")
    raise InvalidResponse(f"business error {code!r}: {message}", code=code)


class CommerceClient:
    """``X-Api-Key`` auth over one session; :meth:`projects_page` reads one page."""

    def __init__(
        self,
        settings: CommerceSettings,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self.http = client_from_settings(
            SOURCE_SYSTEM, settings, session=session, sleep=sleep, rand=rand
        )
        self._headers = {"X-Api-Key": settings.api_key}

    def close(self) -> None:
        self.http.close()

    def projects_page(self, updated_since: str | None, page: int) -> ProjectsPage:
        """One page (1-based) of projects with ``updated_at >= updated_since`` (None = all).

        ``updated_since`` goes through ``params`` so requests URL-encodes it (``+`` → ``%2B``).
        """
        params: dict[str, Any] = {}
        if updated_since is not None:
            params["updated_since"] = updated_since
        params["page"] = page
        params["page_size"] = self.settings.page_size

        def interpret(response: requests.Response) -> ProjectsPage:
            data = interpret_envelope(response)
            items = data.get("items")
            if items is None:
                items = []
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise InvalidResponse("data.items is not a list of objects")
            total = data.get("total")
            if isinstance(total, bool) or not isinstance(total, int):
                raise InvalidResponse(f"data.total is not an integer: {total!r}")
            size = data.get("page_size")
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                size = self.settings.page_size
            return ProjectsPage(total=total, page=page, page_size=size, items=items)

        return self.http.call(
            "GET", PROJECTS_PATH, params=params, headers=self._headers, interpret=interpret
        )
