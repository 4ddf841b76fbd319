"""Approval ``events`` stream: cursor pagination with ``after``.

State: ``{"after": <cursor or None>}`` — the cursor to send next time. After a page with a
``next_cursor``, the state moves to it. When ``next_cursor`` is null the source is caught
up: the state keeps the ``after`` of that last request, so the next sync replays that page
(grown by whatever arrived since). Events replayed that way are yielded again (the lander's
content hash makes them no-ops); within one sync an ``event_id`` is yielded only once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests

from connectors.approval.client import ApprovalClient
from connectors.approval.settings import ENTITY, EVENTS_PATH, SOURCE_SYSTEM, ApprovalSettings
from connectors.approval.settings import unknown_fields as _unknown_fields
from connectors.common.http import SourceRequestError
from connectors.common.records import Checkpoint, SourceRecord, StreamItem


class ApprovalConnector:
    """Reads the approval bureau's events. See the module docstring for the state."""

    source_system = SOURCE_SYSTEM
    entity = ENTITY
    unknown_fields = staticmethod(_unknown_fields)

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
        self.client = ApprovalClient(settings, session, sleep=sleep, rand=rand, clock=clock)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> ApprovalConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, state: dict[str, Any], *, full: bool = False) -> Iterator[StreamItem]:
        after: str | None = None if full else (state or {}).get("after")
        seen_ids: set[Any] = set()
        cursors: set[str | None] = {after}
        while True:
            page = self.client.events_page(after)
            for event in page.events:
                event_id = event.get("event_id")
                marker = event_id if isinstance(event_id, (str, int)) else repr(event_id)
                if event_id is not None and marker in seen_ids:
                    continue
                seen_ids.add(marker)
                yield SourceRecord(
                    entity=ENTITY,
                    source_key=None if event_id is None else str(event_id),
                    payload=event,
                )
            if page.next_cursor is None:
                yield Checkpoint(state={"after": after})
                return
            if page.next_cursor in cursors:
                raise SourceRequestError(
                    SOURCE_SYSTEM,
                    self.client.http.url(EVENTS_PATH),
                    f"cursor loop: next_cursor {page.next_cursor!r} was already visited "
                    f"in this sync (after={after!r})",
                )
            cursors.add(page.next_cursor)
            after = page.next_cursor
            yield Checkpoint(state={"after": after})
