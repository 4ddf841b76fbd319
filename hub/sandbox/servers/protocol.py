"""What every HTTP department shares: JSON answers, request errors, query parameters."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hub.sandbox.hostile import render_json


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
