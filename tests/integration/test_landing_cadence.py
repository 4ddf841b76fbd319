"""Landing commits on a cadence (issue 13), not at every Checkpoint a connector yields.

Each stream is a run of small pages, one Checkpoint each, as the HTTP connectors yield them.
While ``land_stream`` lands it, the stream itself looks at the warehouse from a second
connection before each page, so the tests see what is committed at that moment: the saved
state must always name exactly the records committed, never one past it, whatever the
cadence. Time is an injected clock; nothing here sleeps or asserts on timing.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from connectors.common.records import (
    Checkpoint,
    DiscardSinceCheckpoint,
    Incident,
    SourceRecord,
    StreamItem,
)
from hub.warehouse.connection import connect
from hub.warehouse.landing import land_stream

pytestmark = pytest.mark.integration

SOURCE = "stats"  # raw.stats__roster: any raw table would do
BATCH = "stats-20250101T000000Z-cadence0"
NEVER = 10**9  # a commit_every_records no stream here reaches


class Frozen:
    """A clock that moves only when told to: commits come from the record count alone."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def warehouse_url(databases) -> str:
    return databases.create()


@pytest.fixture
def url(warehouse_url) -> str:
    with connect(warehouse_url) as conn:
        conn.execute("truncate raw.stats__roster, meta.source_state, meta.incidents")
        conn.commit()
    return warehouse_url


@pytest.fixture
def observer(url) -> Iterator[psycopg.Connection]:
    """A second session: sees only what landing has committed."""
    with connect(url, autocommit=True) as conn:
        yield conn


def committed(conn: psycopg.Connection) -> tuple[dict | None, set[str]]:
    """(the saved state, the keys committed in raw)."""
    row = conn.execute(
        "select state from meta.source_state where source_system = %s", (SOURCE,)
    ).fetchone()
    keys = {key for (key,) in conn.execute("select source_key from raw.stats__roster")}
    return (row[0] if row else None), keys


def record(key: str, n: int = 0) -> SourceRecord:
    return SourceRecord("roster", key, {"n": n, "名称": f"项目{key}"})


def page_keys(page: int, size: int) -> list[str]:
    return [f"P{page:03d}-{i}" for i in range(size)]


def keys_through(page: int, size: int) -> set[str]:
    """Every key of pages 0 … ``page``."""
    return {key for p in range(page + 1) for key in page_keys(p, size)}


def pages(
    count: int,
    size: int,
    *,
    seen: list[tuple[int, dict | None, set[str]]] | None = None,
    observer: psycopg.Connection | None = None,
    clock: Frozen | None = None,
    tick: float = 0.0,
    start: int = 0,
) -> Iterator[StreamItem]:
    """``count`` pages of ``size`` records, each followed by Checkpoint({"page": n}).

    Before each page, what is committed goes to ``seen`` (page about to be read, state,
    keys); the injected clock moves on by ``tick`` as a page would take.
    """
    for page in range(start, start + count):
        if observer is not None and seen is not None:
            seen.append((page, *committed(observer)))
        for key in page_keys(page, size):
            yield record(key)
        if clock is not None:
            clock.now += tick
        yield Checkpoint(state={"page": page})


def assert_state_covers_exactly_the_committed(seen, size: int) -> None:
    """At every look, the saved state names the committed records, and no record past it."""
    for page, state, keys in seen:
        if state is None:
            assert keys == set(), f"before page {page}: records committed without a state"
        else:
            assert keys == keys_through(state["page"], size), f"before page {page}: {state}"


def test_many_small_pages_commit_far_less_often_than_they_checkpoint(url, observer):
    seen: list = []
    with connect(url) as conn:
        result = land_stream(
            conn,
            SOURCE,
            BATCH,
            pages(100, 5, seen=seen, observer=observer),
            commit_every_records=NEVER,
            clock=Frozen(),
        )

    assert result.checkpoints == 100
    # no commit was due by count or clock: the transaction's savepoints ran out now and then
    assert 1 < result.commits < result.checkpoints // 10
    assert (result.records_received, result.records_new) == (500, 500)
    assert committed(observer) == ({"page": 99}, keys_through(99, 5))
    assert_state_covers_exactly_the_committed(seen, 5)
    moved = {state["page"] for _, state, _ in seen if state is not None}
    assert len(moved) == result.commits - 1  # each commit but the last moved the state once


def test_commits_come_every_so_many_records_at_a_checkpoint(url, observer):
    seen: list = []
    with connect(url) as conn:
        result = land_stream(
            conn,
            SOURCE,
            BATCH,
            pages(12, 10, seen=seen, observer=observer),
            commit_every_records=25,
            clock=Frozen(),
        )

    assert (result.checkpoints, result.commits) == (12, 5)  # after pages 2, 5, 8, 11; the end
    states = [state for _, state, _ in seen]
    assert states == [None] * 3 + [{"page": 2}] * 3 + [{"page": 5}] * 3 + [{"page": 8}] * 3
    assert_state_covers_exactly_the_committed(seen, 10)
    assert committed(observer) == ({"page": 11}, keys_through(11, 10))


def test_zero_commits_at_every_checkpoint_as_before(url, observer):
    seen: list = []
    with connect(url) as conn:
        result = land_stream(
            conn, SOURCE, BATCH, pages(6, 3, seen=seen, observer=observer), commit_every_records=0
        )

    assert (result.checkpoints, result.commits) == (6, 7)
    assert [state for _, state, _ in seen] == [None] + [{"page": p} for p in range(5)]
    assert_state_covers_exactly_the_committed(seen, 3)


def test_a_commit_is_due_after_commit_every_seconds_on_the_injected_clock(url, observer):
    clock = Frozen()
    seen: list = []
    with connect(url) as conn:
        result = land_stream(
            conn,
            SOURCE,
            BATCH,
            pages(10, 4, seen=seen, observer=observer, clock=clock, tick=0.3),
            commit_every_records=NEVER,
            commit_every_seconds=1.0,
            clock=clock,
        )

    # 0.3 s a page: due at page 3 (1.2 s after the start), then at page 7 (1.2 s after that)
    assert (result.checkpoints, result.commits) == (10, 3)
    states = [state for _, state, _ in seen]
    assert states == [None] * 4 + [{"page": 3}] * 4 + [{"page": 7}] * 2
    assert_state_covers_exactly_the_committed(seen, 4)

    with connect(url) as conn:  # the same pages with the clock standing still: one commit
        again = land_stream(
            conn,
            SOURCE,
            BATCH,
            pages(10, 4),
            commit_every_records=NEVER,
            commit_every_seconds=1.0,
            clock=Frozen(),
        )
    assert (again.commits, again.records_new) == (1, 0)


class DepartmentWentAway(RuntimeError):
    pass


def crashing(seen: list, observer: psycopg.Connection) -> Iterator[StreamItem]:
    """Twenty pages of ten, four records of the next, then the connector fails."""
    yield from pages(20, 10, seen=seen, observer=observer)
    yield from (record(key) for key in page_keys(20, 10)[:4])
    raise DepartmentWentAway("connection reset")


def test_after_a_crash_the_saved_state_names_only_committed_records(url, observer):
    seen: list = []
    with connect(url) as conn, pytest.raises(DepartmentWentAway):
        land_stream(conn, SOURCE, BATCH, crashing(seen, observer), commit_every_records=25)

    # committed after pages 2, 5, …, 17; pages 18, 19 and the start of 20 were rolled back
    assert committed(observer) == ({"page": 17}, keys_through(17, 10))
    assert_state_covers_exactly_the_committed(seen, 10)

    # the next sync reads again from the saved state (here with two pages more, as a
    # connector whose cursor is a little behind would) and lands each record once
    with connect(url) as conn:
        rerun = land_stream(conn, SOURCE, BATCH, pages(10, 10, start=16))
    assert rerun.records_new == 80  # pages 18 … 25; 16 and 17 were landed
    assert committed(observer) == ({"page": 25}, keys_through(25, 10))
    with connect(url) as conn:
        total = conn.execute("select count(*) from raw.stats__roster").fetchone()[0]
    assert total == 260


def discarding(first_period: list[str], incidents: bool = True) -> Iterator[StreamItem]:
    """Five pages, deferred; a revision change during the sixth voids it (twice); it is read
    again and the stream ends."""
    yield from pages(3, 4)
    if incidents:
        yield Incident(kind="cadence_kept", detail="before the last checkpoint: kept")
    yield from pages(2, 4, start=3)
    for attempt in range(2):
        for key in first_period:
            yield record(key, attempt)
        if incidents:
            yield Incident(kind="cadence_void", detail=f"since the checkpoint ({attempt}): void")
        yield DiscardSinceCheckpoint(reason="revision changed")
    yield from (record(key, 9) for key in page_keys(5, 4))
    yield Checkpoint(state={"page": 5})


@pytest.mark.parametrize("incidents", [True, False], ids=["incidents", "open segment"])
@pytest.mark.parametrize("flush_every", [3, 10_000], ids=["segments", "one segment"])
def test_a_discard_after_deferred_checkpoints_drops_only_what_came_since_the_last(
    url, observer, flush_every, incidents
):
    """Without incidents the discard meets the period's segment still open."""
    void = [f"VOID-{i}" for i in range(7)]
    with connect(url) as conn:
        result = land_stream(
            conn,
            SOURCE,
            BATCH,
            discarding(void, incidents),
            flush_every=flush_every,
            commit_every_records=NEVER,
            clock=Frozen(),
        )

    assert (result.checkpoints, result.commits) == (6, 1)  # all deferred to the end
    assert committed(observer) == ({"page": 5}, keys_through(5, 4))
    assert result.records_received == 20 + 2 * 7 + 4
    assert result.records_new == 24  # the voided records are not counted as new
    # records since the last flush point, as landing always reported a discard
    assert result.discarded == 2 * (7 if flush_every > 7 else 7 % flush_every)
    with connect(url) as conn:
        kinds = [k for (k,) in conn.execute("select kind from meta.incidents order by 1")]
    assert kinds == (["cadence_kept"] if incidents else [])  # the void ones went with it


def test_a_discard_right_after_a_commit_rolls_back_the_transaction(url, observer):
    def stream() -> Iterator[StreamItem]:
        yield from pages(2, 4)  # committed at page 1 (8 records): no mark left
        yield from (record(f"VOID-{i}") for i in range(5))
        yield DiscardSinceCheckpoint(reason="revision changed")
        yield from pages(2, 4, start=2)  # committed at page 2 (9 records), then at the end

    with connect(url) as conn:
        result = land_stream(conn, SOURCE, BATCH, stream(), commit_every_records=8)
    assert committed(observer) == ({"page": 3}, keys_through(3, 4))
    assert (result.records_new, result.discarded, result.commits) == (16, 5, 3)


def test_known_versions_after_a_mark_roll_back_to_it_not_to_the_transaction(url, observer):
    """A segment with no savepoint of its own, after a mark, meets versions already landed."""
    with connect(url) as conn:
        land_stream(conn, SOURCE, BATCH, pages(2, 4))  # P000-*, P001-* landed

    def stream() -> Iterator[StreamItem]:
        yield from pages(1, 4, start=5)  # new, then a mark
        known_inside = page_keys(7, 4)
        known_inside[2] = page_keys(1, 4)[2]  # known on its third line: resent without it
        yield from (record(key) for key in known_inside)
        yield Checkpoint(state={"page": 7})
        yield from (record(key) for key in page_keys(0, 4))  # known from its first line
        yield Checkpoint(state={"page": 8})
        yield from (record(f"VOID-{i}") for i in range(3))
        yield DiscardSinceCheckpoint(reason="revision changed")

    with connect(url) as conn:
        result = land_stream(
            conn, SOURCE, BATCH, stream(), commit_every_records=NEVER, clock=Frozen()
        )

    new = set(page_keys(5, 4)) | set(page_keys(7, 4)[:2]) | {page_keys(7, 4)[3]}
    assert committed(observer) == ({"page": 8}, keys_through(1, 4) | new)
    assert (result.records_new, result.commits) == (len(new), 1)
