"""land_stream's writer thread: failures on either side roll back, surface the original
exception, and never leave the thread behind.

The caller's thread serialises records and hands them to a writer thread that owns the
connection (see hub/warehouse/landing.py). These cases make each side fail while the other
is busy and check what a caller can see afterwards: the exception object itself, raw and
meta.source_state holding exactly what the checkpoints before the failure committed, an idle
connection that works, and no writer thread left.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Iterator

import psycopg
import pytest

from connectors.common.records import Checkpoint, Incident, SourceRecord, StreamItem
from hub.warehouse import landing
from hub.warehouse.connection import connect
from hub.warehouse.landing import land_stream

pytestmark = pytest.mark.integration

BATCH = "commerce-20250101T000000Z-0badc0de"


class ConnectorFailed(RuntimeError):
    pass


def _writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("land_stream-")]


def _record(n: int, *, filler: int = 200) -> SourceRecord:
    return SourceRecord("projects", f"P{n}", {"n": n, "名称": "项目" * filler})


def _pages(pages: int, per_page: int = 50) -> Iterator[StreamItem]:
    for page in range(pages):
        for i in range(per_page):
            yield _record(page * per_page + i)
        yield Checkpoint(state={"page": page})


def _landed(url: str) -> tuple[set[str], list]:
    with connect(url, autocommit=True) as conn:
        keys = {k for (k,) in conn.execute("select source_key from raw.commerce__projects")}
        state = conn.execute(
            "select state from meta.source_state where source_system = 'commerce'"
        ).fetchall()
    return keys, state


def _assert_connection_is_the_callers(conn: psycopg.Connection) -> None:
    assert not _writer_threads()
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert conn.execute("select 1").fetchone() == (1,)


@pytest.fixture
def slow_commits(monkeypatch):
    """Every commit of the writer takes a while: it is busy when the caller's thread fails."""
    original = landing._Lander.commit

    def commit(self, state=None):
        time.sleep(0.05)
        return original(self, state)

    monkeypatch.setattr(landing._Lander, "commit", commit)


def test_stream_failing_while_the_writer_is_busy(fresh_warehouse_url, slow_commits):
    error = ConnectorFailed("department went away")

    def stream():
        yield from _pages(4)  # four committed pages
        for i in range(30):  # half a page, never committed
            yield _record(10_000 + i)
        raise error

    with connect(fresh_warehouse_url) as conn:
        with pytest.raises(ConnectorFailed) as raised:
            land_stream(conn, "commerce", BATCH, stream(), flush_every=20)
        assert raised.value is error
        _assert_connection_is_the_callers(conn)

    keys, state = _landed(fresh_warehouse_url)
    # what was queued before the failure lands, as it would have without a writer thread
    assert keys == {f"P{n}" for n in range(200)}
    assert state == [({"page": 3},)]


def test_stream_interrupted(fresh_warehouse_url, slow_commits):
    def stream():
        yield from _pages(2)
        yield _record(99_999)
        raise KeyboardInterrupt

    with connect(fresh_warehouse_url) as conn:
        with pytest.raises(KeyboardInterrupt):
            land_stream(conn, "commerce", BATCH, stream())
        _assert_connection_is_the_callers(conn)

    keys, state = _landed(fresh_warehouse_url)
    assert keys == {f"P{n}" for n in range(100)}
    assert state == [({"page": 1},)]


def test_payload_refused_by_postgresql(fresh_warehouse_url):
    """The writer's error surfaces from land_stream; the caller's thread stops reading."""
    read = 0

    def stream():
        nonlocal read
        yield from _pages(2)
        yield _record(500)
        yield SourceRecord("projects", "BAD", {"text": "nul \u0000 inside"})  # jsonb refuses
        yield Incident("test", "rolled back with the refused payload")
        yield Checkpoint(state={"page": "bad"})
        for n in range(5_000):  # about 10 MiB: far more than the writer's queue holds
            read += 1
            yield _record(1_000 + n, filler=1_000)
        yield Checkpoint(state={"page": "never"})

    with connect(fresh_warehouse_url) as conn:
        with pytest.raises(psycopg.errors.UntranslatableCharacter) as raised:
            land_stream(conn, "commerce", BATCH, stream())
        # the writer's own exception, raised where PostgreSQL refused the COPY
        frames = traceback.extract_tb(raised.value.__traceback__)
        assert any(frame.name == "close" for frame in frames)
        _assert_connection_is_the_callers(conn)
        incidents = conn.execute("select count(*) from meta.incidents").fetchone()[0]

    assert read < 5_000
    keys, state = _landed(fresh_warehouse_url)
    assert keys == {f"P{n}" for n in range(100)}
    assert state == [({"page": 1},)]
    assert incidents == 0


def test_both_fail_the_writer_error_wins(fresh_warehouse_url, slow_commits):
    """The writer failed on records yielded before the stream failed: a lander in one
    thread would have raised the writer's error and never read on."""

    def stream():
        yield from _pages(1)
        yield SourceRecord("projects", "BAD", {"text": "\u0000"})
        yield Checkpoint(state={"page": "bad"})
        raise ConnectorFailed("later")

    with connect(fresh_warehouse_url) as conn:
        with pytest.raises(psycopg.errors.UntranslatableCharacter) as raised:
            land_stream(conn, "commerce", BATCH, stream())
        _assert_connection_is_the_callers(conn)
    assert raised.value.__notes__ == ["the stream meanwhile raised ConnectorFailed('later')"]

    keys, state = _landed(fresh_warehouse_url)
    assert keys == {f"P{n}" for n in range(50)}
    assert state == [({"page": 0},)]


def test_writer_thread_gone_after_success(fresh_warehouse_url):
    with connect(fresh_warehouse_url) as conn:
        result = land_stream(conn, "commerce", BATCH, _pages(3), flush_every=7)
        _assert_connection_is_the_callers(conn)
    assert (result.records_received, result.records_new, result.checkpoints) == (150, 150, 3)
    assert result.state == {"page": 2}
