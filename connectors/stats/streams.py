"""Stats ``roster`` stream: one full snapshot per period and revision.

State: ``{"periods": {"YYYY-MM": {"revision": r, "closed": bool}, ...}}``.

A period is pulled when it is missing from the state, when its revision differs from the
state's, or on a full resync. A period with the same revision is never pulled again (its
``closed`` flag is still brought up to date). A period is read from its first page; every
page must carry the revision of the first page — if one shows another, a
``DiscardSinceCheckpoint`` voids what was read of the period and it restarts from page one
(at most ``settings.max_restarts`` times, then the sync fails). After each period a
Checkpoint carries the merged state, so a period is committed whole or not at all. A period
whose roster is empty yields no records but is still checkpointed with its revision: the
lander's state then says "this period/revision has no projects".

With a re-pull ``window`` (months, :class:`connectors.common.window.RepullWindow`), exactly
the published periods in the window are pulled again at their current revision, whatever
the state says, and no other period is looked at (a revision of one outside the window waits
for the next sync). The state checkpointed is the state given with those periods' entries
updated: no other entry moves or goes. A closed period revised is still reported.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests

from connectors.common.http import SourceRequestError
from connectors.common.records import (
    Checkpoint,
    DiscardSinceCheckpoint,
    Incident,
    SourceRecord,
    SourceUnavailable,
    StreamItem,
)
from connectors.common.window import MONTH, RepullWindow
from connectors.stats.client import Period, StatsClient
from connectors.stats.settings import ENTITY, ROSTER_PATH, SOURCE_SYSTEM, StatsSettings
from connectors.stats.settings import unknown_fields as _unknown_fields


class _RevisionChanged(Exception):
    def __init__(self, kept: Any, seen: Any) -> None:
        super().__init__(f"revision {kept!r} → {seen!r}")
        self.kept = kept
        self.seen = seen


class StatsConnector:
    """Reads the statistics bureau's monthly rosters. See the module docstring."""

    source_system = SOURCE_SYSTEM
    entity = ENTITY
    unknown_fields = staticmethod(_unknown_fields)
    #: ``read(state, window=...)`` takes a window of periods (``YYYY-MM``).
    window_unit = MONTH

    def __init__(
        self,
        settings: StatsSettings,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self.client = StatsClient(settings, session, sleep=sleep, rand=rand)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> StatsConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(
        self, state: dict[str, Any], *, full: bool = False, window: RepullWindow | None = None
    ) -> Iterator[StreamItem]:
        if window is not None and window.unit != MONTH:
            raise ValueError(f"stats re-pulls a window of periods, not {window.unit}s ({window})")
        if window is not None and full:
            raise ValueError("a full resync re-pulls every period already; it takes no window")
        known: dict[str, dict[str, Any]] = {}
        if not full:
            for name, entry in ((state or {}).get("periods") or {}).items():
                if isinstance(entry, dict):
                    known[name] = dict(entry)
        periods_state: dict[str, dict[str, Any]] = {k: dict(v) for k, v in known.items()}
        last: dict[str, Any] | None = None

        for period in self.client.periods():
            if window is not None and not window.covers_period(period.period):
                continue
            before = known.get(period.period)
            if window is not None and (before or {}).get("revision") == period.revision:
                before = None  # pulled again as if new (the same revision: no incident)
            if before is not None and before.get("revision") == period.revision:
                # Same revision: same roster. Only the closed flag may have moved.
                if period.closed and not before.get("closed"):
                    periods_state[period.period] = {"revision": period.revision, "closed": True}
                continue
            if before is not None and before.get("closed"):
                yield Incident(
                    kind="stats_closed_period_revised",
                    detail=(
                        f"stats: period {period.period} was closed at revision "
                        f"{before.get('revision')!r} and now shows revision {period.revision!r}; "
                        "pulling it again"
                    ),
                )
                # commit the incident now: a DiscardSinceCheckpoint during the pull below
                # would otherwise roll it back with the period's records
                last = {"periods": _copy(periods_state)}
                yield Checkpoint(state=last)
            kept = yield from self._pull_period(period)
            periods_state[period.period] = {
                "revision": kept,
                # closed only if the pages kept are those of the closed revision
                "closed": period.closed and kept == period.revision,
            }
            last = {"periods": _copy(periods_state)}
            yield Checkpoint(state=last)

        final = {"periods": _copy(periods_state)}
        if final != last:  # always end on a Checkpoint, but not twice the same
            yield Checkpoint(state=final)

    def _pull_period(self, period: Period) -> Iterator[StreamItem]:
        """Yield one period's rows (restarting on a revision change); return the revision."""
        history = []
        restarts = 0
        while True:
            try:
                kept = yield from self._pull_once(period)
            except _RevisionChanged as change:
                history.append(f"{change.kept!r}→{change.seen!r}")
                yield DiscardSinceCheckpoint(
                    reason=(
                        f"stats: period {period.period} revision changed from {change.kept!r} to "
                        f"{change.seen!r} during pagination; restarting the period"
                    )
                )
                restarts += 1
                if restarts > self.settings.max_restarts:
                    raise SourceUnavailable(
                        SOURCE_SYSTEM,
                        f"{self.client.http.url(ROSTER_PATH)}?period={period.period}",
                        f"period {period.period} kept changing revision during pagination "
                        f"({', '.join(history)}); gave up after {restarts} restarts",
                    ) from None
                continue
            return kept

    def _pull_once(self, period: Period) -> Iterator[StreamItem]:
        kept: Any = None
        after: str | None = None
        visited: set[str | None] = {None}
        first = True
        while True:
            page = self.client.roster_page(period.period, after)
            if first:
                kept = page.revision
                first = False
            elif page.revision != kept:
                raise _RevisionChanged(kept, page.revision)
            context = {"period": period.period, "revision": kept}
            for row in page.rows:
                key = row.get("stat_project_id")
                yield SourceRecord(
                    entity=ENTITY,
                    source_key=None if key is None else str(key),
                    payload=row,
                    context=dict(context),
                )
            if page.next_after is None:
                return kept
            if page.next_after in visited:
                raise SourceRequestError(
                    SOURCE_SYSTEM,
                    self.client.http.url(ROSTER_PATH),
                    f"period {period.period}: next_after {page.next_after!r} repeats; "
                    "keyset pagination is not advancing",
                )
            visited.add(page.next_after)
            after = page.next_after


def _copy(periods: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: dict(entry) for name, entry in sorted(periods.items())}


def changed_periods(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Periods whose revision a sync changed, {period: revision}, from the connector state
    before and after landing (an emptied roster lands no rows at all, so the rows cannot
    say). None when the lander saw no checkpoint: the batch checks then go by the rows."""
    if after is None:
        return None
    old = (before or {}).get("periods") or {}
    return {
        period: info.get("revision")
        for period, info in (after.get("periods") or {}).items()
        if (old.get(period) or {}).get("revision") != info.get("revision")
    }
