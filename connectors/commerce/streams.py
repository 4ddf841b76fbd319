"""Commerce ``projects`` stream: incremental by ``updated_since``, complete despite
offset-pagination drift.

Algorithm of one sync (see README.md for the reasoning):

1. Page through ``updated_since = <start watermark>`` (the committed state; none on a full
   resync) until a short page or ``page * page_size >= total``.
2. While the number of distinct ``project_no`` read differs from the last ``total``, re-read
   the whole window from page 1; stop as soon as a re-read pass yields no new
   ``(project_no, updated_at)`` pair. At most ``settings.max_passes`` passes.
3. Every ``(project_no, updated_at)`` pair is yielded once per sync.

State: ``{"updated_since": "<ISO-8601 with offset>"}``. After every page a Checkpoint with
the unchanged start state bounds the lander's transaction; only the final Checkpoint moves
the watermark, to the greatest ``updated_at`` read (compared as instants, stored as the
source wrote it). If the window never settled within ``max_passes``, the watermark stays
where it was and an Incident says so.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import requests

from connectors.commerce.client import CommerceClient
from connectors.commerce.settings import (
    ENTITY,
    SOURCE_SYSTEM,
    CommerceSettings,
)
from connectors.commerce.settings import (
    unknown_fields as _unknown_fields,
)
from connectors.common.records import Checkpoint, Incident, SourceRecord, StreamItem

log = logging.getLogger(__name__)

#: Timestamps without an offset are local time (contracts/README.md).
LOCAL_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
#: How far after the hub's clock an updated_at may be and still become the watermark.
FUTURE_TOLERANCE = timedelta(days=1)


def parse_instant(value: Any) -> datetime | None:
    """An ISO-8601 timestamp as an aware datetime (naive = UTC+08:00); None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=LOCAL_TZ)


def _has_offset(value: str) -> bool:
    try:
        return datetime.fromisoformat(value.strip()).tzinfo is not None
    except ValueError:
        return False


def _key_part(value: Any) -> Any:
    """A hashable stand-in for a key field (normally a string already)."""
    return value if value is None or isinstance(value, (str, int, float, bool)) else repr(value)


class CommerceConnector:
    """Reads the commerce platform's projects. See the module docstring for the algorithm."""

    source_system = SOURCE_SYSTEM
    entity = ENTITY
    unknown_fields = staticmethod(_unknown_fields)

    def __init__(
        self,
        settings: CommerceSettings,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self.client = CommerceClient(settings, session, sleep=sleep, rand=rand)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> CommerceConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, state: dict[str, Any], *, full: bool = False) -> Iterator[StreamItem]:
        start: str | None = None if full else (state or {}).get("updated_since")
        unchanged = {"updated_since": start} if start is not None else {}

        seen: set[tuple[Any, Any]] = set()  # (project_no, updated_at) yielded in this sync
        distinct: set[Any] = set()  # project_no read in this sync
        newest: tuple[datetime, str] | None = None
        # An updated_at more than a day after the hub's clock (9999-12-31…) is not taken
        # as the watermark: every later sync would ask for records updated after it and
        # silently read nothing more. Such a record is still landed, and read again by each
        # sync until the clock passes it (the same version: the lander absorbs it). A day,
        # not none: a department's clock a little ahead (the sandbox stamps one record a
        # second) must not leave the watermark, and the state, to depend on when we read.
        horizon = datetime.now(UTC) + FUTURE_TOLERANCE
        settled = False
        total = 0
        passes = 0

        while passes < self.settings.max_passes:
            passes += 1
            new_in_pass = 0
            page = 1
            while True:
                result = self.client.projects_page(start, page)
                total = result.total
                for item in result.items:
                    project_no = item.get("project_no")
                    updated_at = item.get("updated_at")
                    key = (_key_part(project_no), _key_part(updated_at))
                    if key in seen:
                        continue
                    seen.add(key)
                    distinct.add(key[0])
                    new_in_pass += 1
                    instant = parse_instant(updated_at)
                    if (
                        instant is not None
                        and instant <= horizon
                        and (newest is None or instant > newest[0])
                    ):
                        # as the source wrote it, unless it lacked an offset
                        shown = updated_at if _has_offset(updated_at) else instant.isoformat()
                        newest = (instant, shown)
                    yield SourceRecord(
                        entity=ENTITY,
                        source_key=None if project_no is None else str(project_no),
                        payload=item,
                    )
                yield Checkpoint(state=dict(unchanged))
                if (
                    not result.items
                    or len(result.items) < result.page_size
                    or page * result.page_size >= result.total
                ):
                    break
                page += 1
            log.info(
                "commerce: pass %d read %d new versions; %d distinct projects, total %d",
                passes,
                new_in_pass,
                len(distinct),
                total,
            )
            if len(distinct) == total or (passes > 1 and new_in_pass == 0):
                settled = True
                break

        if not settled:
            yield Incident(
                kind="commerce_pagination_unsettled",
                detail=(
                    f"commerce: {self.client.http.url('/api/v1/projects')} kept changing: after "
                    f"{passes} passes from updated_since={start!r}, {len(distinct)} distinct "
                    f"project_no read against total {total}; watermark not advanced"
                ),
            )
            yield Checkpoint(state=dict(unchanged))
            return

        if newest is None:
            yield Checkpoint(state=dict(unchanged))
            return
        if start is not None:
            start_instant = parse_instant(start)
            if start_instant is not None and start_instant > newest[0]:
                yield Checkpoint(state=dict(unchanged))  # never move the watermark back
                return
        yield Checkpoint(state={"updated_since": newest[1]})
