"""Land a connector's stream in raw.<dept>__<entity> with COPY, state in the same transaction.

A version already landed — by an earlier sync, a retry, or a page read twice — lands once:
the raw tables are unique on (source_key, content_hash). The connector's state is written
only together with the records it covers, at a Checkpoint.

How records travel (the fast path first, because it is the common case):

- Records are streamed by COPY straight into the raw table while the connector yields them,
  in segments of at most ``flush_every`` records (a segment also ends at a Checkpoint, an
  Incident, or a change of entity). PostgreSQL stores the rows while Python serialises the
  next ones, and no row is written twice. A version repeated within a segment is sent once
  (the first occurrence lands, as it always did). A segment runs under a savepoint, except
  the first of a transaction, which has nothing before it to protect.
- If the COPY meets a version that is already in raw, the unique index stops it. The segment
  is rolled back (to its savepoint, or the whole transaction when it was the first); the
  line PostgreSQL names is dropped (that version is landed: skipping it is what ``on
  conflict do nothing`` does) and the segment is sent again, at most ``_DIRECT_RETRIES``
  times. After that — or when the line cannot be told, or it is the first — the segment is
  landed the careful way: COPY into a temporary table, then ``insert … on conflict do
  nothing`` into raw (sql/warehouse/move_buffer_to_raw.sql). So is the rest of that
  transaction, and so are the next segments until one of them turns out to be all new: a
  sync that re-reads landed data (a full resync, a replayed page) re-reads more of it.
  Savepoints beyond the 32nd of one transaction are not taken either: the careful way
  again (more would overflow PostgreSQL's per-backend subtransaction cache and slow every
  other session's snapshots).

Two threads, because on two cores landing is Python serialising (canonical JSON, sha256) and
a PostgreSQL backend storing rows, and each used to wait for the other at every Checkpoint
(every 500 records for commerce and land): Python for the end of the COPY, the state and the
commit, then the server for the next segment.

- The caller's thread reads the connector and turns records into COPY text lines
  (``_Serialiser``); it also drops versions repeated within a segment, so it tracks
  segments the same way the writer lands them.
- One writer thread (``_Writer``, landing with ``_Lander``) owns the connection for the whole
  call: every COPY, savepoint, retry, careful-path move, incident, state save, commit and
  rollback happens there, in stream order, exactly as it would in one thread.
- Between them a bounded queue of text blocks (about ``_SEND_BYTES`` each) and control items
  (end of segment, checkpoint with its state, incident, discard, end, abort). While the
  writer waits on PostgreSQL the caller keeps serialising, until the queue is full: about
  1 MiB, two to three commerce segments. The connector is read that far ahead of what is
  committed, which nothing can observe: state still commits only with the records it covers.

Failures: an exception in the writer (a payload PostgreSQL refuses, a lost connection) rolls
back the open transaction there; the caller's thread stops reading the connector at its next
hand-over and raises that same exception object. An exception in the caller's thread (the
connector failed, KeyboardInterrupt) puts ``abort`` in the queue: the writer first lands
what was handed to it before — what one thread would have landed before the exception —
then rolls back. Either way the writer is joined before land_stream returns or raises; the
connection is the caller's again and no thread outlives the call.

Memory stays flat in the size of the source: the writer holds the open segment (to resend
it), the caller's thread the versions of its open segment, the queue about 1 MiB.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from copy import deepcopy
from dataclasses import dataclass, field
from json import encoder as _json_encoder
from typing import Any

import psycopg
from psycopg import sql
from psycopg.adapt import PyFormat, Transformer
from psycopg.types.json import Jsonb

from connectors.common.records import (
    Checkpoint,
    DiscardSinceCheckpoint,
    Incident,
    SourceRecord,
    StreamItem,
)
from hub.warehouse.connection import run_sql_file, sql_statement

# The canonical JSON of a version: what content_hash covers, so its text must never change.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
# JSONEncoder.encode() builds a C encoder on every call; this one is built once, with the same
# options except the circular-reference check (on an error the reference encoder re-runs and
# raises what it always raised).
_c_make_encoder = getattr(_json_encoder, "c_make_encoder", None)
_C_CANONICAL = (
    _c_make_encoder(
        None,  # no markers: no circular-reference check
        _CANONICAL.default,
        _json_encoder.encode_basestring,  # ensure_ascii=False
        None,  # indent
        ":",
        ",",
        True,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan
    )
    if _c_make_encoder is not None
    else None
)
_EMPTY_OBJECT = "{}"  # canonical_json({}): most records have no context or provenance

_MAX_SAVEPOINTS = 32  # per transaction (PostgreSQL's subtransaction cache holds 64)
_DIRECT_RETRIES = 2  # resends of a segment after a conflict, before the careful path
_SEND_BYTES = 65536  # COPY data is handed to the connection in blocks of about this size
_COPY_LINE = re.compile(r"\bline (\d+)")  # in the CONTEXT of an error during COPY

log = logging.getLogger(__name__)


def canonical_json(value: Any) -> str:
    if _C_CANONICAL is not None:
        try:
            return "".join(_C_CANONICAL(value, 0))
        except Exception:
            pass  # the reference encoder below raises the error it always raised
    return _CANONICAL.encode(value)


def content_hash(payload_json: str, context_json: str) -> str:
    return hashlib.sha256(f"{payload_json}\x1f{context_json}".encode()).hexdigest()


def raw_table(source_system: str, entity: str) -> sql.Identifier:
    return sql.Identifier("raw", f"{source_system}__{entity}")


def _copy_text(value: str) -> str:
    """A text value as a field of COPY's text format (what Copy.write_row would send)."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _version(record: SourceRecord, key_field: str) -> tuple[str, str]:
    """(content_hash, COPY text line of source_key … provenance) of a record.

    canonical_json() and content_hash() fused, with the same results. Canonical JSON never
    holds a raw tab, newline or carriage return (json escapes every control character), so
    only its backslashes need COPY's escaping.
    """
    payload_json = canonical_json(record.payload)
    context = record.context
    context_json = _EMPTY_OBJECT if context == {} else canonical_json(context)
    provenance = record.provenance
    provenance_json = _EMPTY_OBJECT if provenance == {} else canonical_json(provenance)
    digest = hashlib.sha256(payload_json.encode())
    digest.update(b"\x1f")
    digest.update(context_json.encode())
    content = digest.hexdigest()
    line = "\t".join(
        (
            key_field,
            content,
            payload_json.replace("\\", "\\\\"),
            context_json.replace("\\", "\\\\"),
            provenance_json.replace("\\", "\\\\"),
        )
    )
    return content, line + "\n"


@dataclass
class LandResult:
    records_received: int = 0
    records_new: int = 0
    checkpoints: int = 0
    discarded: int = 0
    incidents: list[Incident] = field(default_factory=list)
    entities: set[str] = field(default_factory=set)
    state: dict[str, Any] | None = None


# ---------------------------------------------------------------------- the caller's thread

# What the caller's thread hands the writer: (kind, argument) — in stream order.
_LINES = "lines"  # (entity, [COPY text lines]): records of the open segment, or a new one's
_CLOSE = "close"  # None: the open segment is complete, land it
_CHECKPOINT = "checkpoint"  # state: land the open segment, save the state, commit
_INCIDENT = "incident"  # Incident: land the open segment, record the incident
_DISCARD = "discard"  # None: roll back to the last checkpoint
_END = "end"  # None: the stream is over, land and commit what is open
_ABORT = "abort"  # None: the caller failed; roll back what is open

# The queue holds at most this many items; a _LINES block is about _SEND_BYTES of text,
# so the caller's thread runs at most about 1 MiB ahead of the writer (memory stays flat;
# that is two to three commerce segments of 500 records) — enough to keep serialising
# through the writer's wait at a checkpoint.
_QUEUE_ITEMS = 16

# While the writer waits on PostgreSQL the caller's thread holds the GIL, serialising. When
# the server answers, the writer must wait for the GIL: up to the switch interval (default
# 5 ms) before the running thread is made to hand it over, and the server idles meanwhile —
# at each of a checkpoint's round trips (end of COPY, state, commit, begin, now(), COPY). On
# the benchmark machine a round trip took 0.13 ms with the other thread idle and 10.5 ms with
# it busy; with this interval, 0.4 ms. land_stream shortens the interval while it runs.
_SWITCH_INTERVAL = 0.0001


class _Serialiser:
    """The caller's half: records → COPY text blocks and control items for the writer.

    It tracks segments the way the writer will land them — a segment ends at ``flush_every``
    records, a Checkpoint, an Incident, a discard or a change of entity — because the
    dedupe inside a segment (the first occurrence of a version lands) needs the versions of
    the open segment, and those are known here, where the lines are made.
    """

    def __init__(self, writer: _Writer, key_transformer: Transformer, encoding: str) -> None:
        self.writer = writer
        # For source keys that are not str (see add); made before the writer started, so
        # this thread never touches the connection while the writer owns it.
        self.key_transformer = key_transformer
        self.encoding = encoding
        self.entity: str | None = None  # of the open segment; None: no segment open
        self.versions: set[tuple[Any, str]] = set()  # (source_key, content_hash) in it
        self.block: list[str] = []  # lines not yet handed to the writer
        self.block_chars = 0

    def add(self, record: SourceRecord) -> None:
        key = record.source_key
        if key is None:
            key_field = "\\N"
        elif type(key) is str:
            key_field = _copy_text(key)
        else:  # not a str, although SourceRecord says it is: store it as write_row would
            dumped = self.key_transformer.get_dumper(key, PyFormat.TEXT).dump(key)
            key_field = _copy_text(bytes(dumped).decode(self.encoding))
        content, line = _version(record, key_field)

        if record.entity != self.entity:
            self.end_segment()
            self.entity = record.entity
        version = (key, content)
        if version in self.versions:
            return  # the same version twice in a segment: the first one lands
        self.versions.add(version)
        self.block.append(line)
        self.block_chars += len(line)
        if self.block_chars >= _SEND_BYTES:
            self.hand_over()

    def hand_over(self) -> None:
        """Pass the lines made so far to the writer, which sends them on at once."""
        if self.block:
            self.writer.put((_LINES, (self.entity, self.block)))
            self.block = []
            self.block_chars = 0

    def end_segment(self, then: tuple[str, Any] = (_CLOSE, None)) -> None:
        """End the open segment: the writer lands it, then does ``then``."""
        self.hand_over()
        if self.entity is not None or then[0] is not _CLOSE:
            self.writer.put(then)
        self.entity = None
        self.versions = set()

    def discard(self) -> None:
        """Drop the open segment unsent; the writer rolls back to the last checkpoint."""
        self.block = []
        self.block_chars = 0
        self.entity = None
        self.versions = set()
        self.writer.put((_DISCARD, None))


# ---------------------------------------------------------------------- the writer thread


class _Segment:
    """Consecutive records of one entity, landed together (on the writer thread).

    ``lines`` are its distinct versions as COPY text lines of (source_key, content_hash,
    payload, context, provenance) — the temporary table's columns; the direct COPY sends each
    after a prefix with batch_id and received_at. ``copy`` is set while a direct COPY is open
    (``exits`` closes it, its cursor and its savepoint).
    """

    __slots__ = ("copy", "entity", "exits", "lines", "whole_transaction")

    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.lines: list[str] = []
        self.copy: psycopg.Copy | None = None
        self.exits: ExitStack | None = None
        self.whole_transaction = False  # a direct COPY without savepoint (see _start_copy)


class _Lander:
    """The open transaction of one land_stream call and the segment being landed in it.

    Used only on the writer thread: it is the one user of the connection during the call.
    """

    def __init__(self, conn: psycopg.Connection, source_system: str, batch_id: str) -> None:
        self.conn = conn
        self.source_system = source_system
        self.batch_id = batch_id
        self.segment: _Segment | None = None
        # True while the stream re-reads versions already landed (a re-sync): segments go
        # the careful way, without a direct attempt, until one of them turns out all new.
        self.rereading = False
        self._transaction_ended()

    def _transaction_ended(self) -> None:
        self.landed = 0  # versions new in raw in the open transaction
        self.prefix: str | None = None  # batch_id and now() of the open transaction, once asked
        self.savepoints = 0
        self.direct = True  # False once a segment of this transaction went the careful way
        self.wrote = False  # whether the open transaction holds anything a rollback would lose

    # ------------------------------------------------------------------ records in

    def add(self, entity: str, lines: list[str]) -> None:
        """Lines of the open segment (or of a new one): sent on at once if its COPY is open."""
        segment = self.segment
        if segment is None or segment.entity != entity:
            self.close()
            segment = self.segment = _Segment(entity)
            self._start_copy(segment)
        segment.lines.extend(lines)
        if segment.copy is not None:
            self._send(segment.copy, self.prefix, lines)  # prefix: set by _start_copy

    def _start_copy(self, segment: _Segment) -> None:
        """Open a direct COPY into raw, if this transaction may.

        Under a savepoint, unless the transaction holds nothing yet: then a conflict rolls
        the whole transaction back, which loses nothing and spares two round trips.
        """
        if self.rereading or not self.direct:
            return
        if self.wrote and self.savepoints >= _MAX_SAVEPOINTS:
            return
        if self.prefix is None:
            now = run_sql_file(self.conn, "warehouse/transaction_now.sql").fetchone()[0]
            # isoformat: exact to the microsecond, with a numeric offset
            self.prefix = f"{_copy_text(self.batch_id)}\t{now.isoformat()}\t"
        segment.whole_transaction = not self.wrote
        exits = ExitStack()
        try:
            if not segment.whole_transaction:
                # the transaction is open (the select began it): this is a savepoint
                exits.enter_context(self.conn.transaction())
                self.savepoints += 1
            cursor = exits.enter_context(self.conn.cursor())
            statement = sql_statement(
                "warehouse/copy_into_raw.sql",
                raw_table=raw_table(self.source_system, segment.entity),
            )
            segment.copy = exits.enter_context(cursor.copy(statement))
        except BaseException:
            exits.close()
            raise
        segment.exits = exits

    @staticmethod
    def _send(copy: psycopg.Copy, prefix: str, lines: list[str]) -> None:
        """Write lines to the open COPY, each after the prefix (in blocks: a resend holds a
        whole segment). Every line ends with a newline, so prefix.join puts each prefix
        at the start of the next line."""
        for start in range(0, len(lines), 256):
            copy.write(prefix + prefix.join(lines[start : start + 256]))

    # ------------------------------------------------------------------ segment out

    def close(self) -> None:
        """Land the open segment, if any.

        Until it is landed the segment stays open on the lander, so that on an exception
        rollback() can still cancel its COPY and roll back its savepoint.
        """
        segment = self.segment
        if segment is None:
            return
        retries = 0
        resend = False
        while segment.exits is not None:
            try:
                if resend:
                    self._send(segment.copy, self.prefix, segment.lines)
                segment.exits.close()  # end of COPY, savepoint released
            except psycopg.errors.UniqueViolation as error:
                # the stack has unwound: the savepoint is rolled back, nothing of it landed
                segment.exits = segment.copy = None
                if segment.whole_transaction:  # no savepoint: the transaction held only this
                    self.conn.rollback()
                    self.prefix = None  # the next transaction has its own now()
                line = _conflicting_line(error, len(segment.lines))
                if line is None or line == 1 or retries >= _DIRECT_RETRIES:
                    # known versions from the start, or again and again: a re-read
                    self.direct = False
                    self.rereading = True
                    break
                retries += 1
                del segment.lines[line - 1]  # already in raw: do nothing, as on conflict
                self._start_copy(segment)
                resend = segment.copy is not None  # else no savepoint is left: careful way
            else:
                segment.exits = segment.copy = None
                self.landed += len(segment.lines)
                self.wrote = True
                self.segment = None
                return
        moved = self._move(segment)
        self.rereading = moved < len(segment.lines)  # all new: the re-read is over
        self.landed += moved
        self.wrote = True
        self.segment = None

    def record_incident(self, incident: Incident) -> None:
        """meta.incidents, in the open transaction (a discard or an error rolls it back)."""
        self.close()  # no other statement can run while a COPY is open
        run_sql_file(
            self.conn,
            "warehouse/record_incident.sql",
            {
                "source_system": self.source_system,
                "batch_id": self.batch_id,
                "kind": incident.kind,
                "detail": incident.detail,
            },
        )
        self.wrote = True

    def _move(self, segment: _Segment) -> int:
        """The careful path: COPY into the temp table, insert into raw skipping known versions."""
        lines = segment.lines
        with self.conn.cursor() as cur:
            with cur.copy(sql_statement("warehouse/copy_landing_buffer.sql")) as copy:
                for start in range(0, len(lines), 64):
                    copy.write("".join(lines[start : start + 64]))
            cur.execute(
                sql_statement(
                    "warehouse/move_buffer_to_raw.sql",
                    raw_table=raw_table(self.source_system, segment.entity),
                ),
                {"batch_id": self.batch_id},
            )
            return cur.rowcount

    def abandon(self) -> None:
        """Drop the open segment unlanded (its COPY is cancelled, its savepoint rolled back)."""
        segment, self.segment = self.segment, None
        if segment is not None and segment.exits is not None:
            segment.exits.__exit__(psycopg.Rollback, psycopg.Rollback(), None)

    # ------------------------------------------------------------------ transaction

    def commit(self, state: dict[str, Any] | None = None) -> int:
        """Land the open segment, save ``state`` if given, and commit; return how many
        versions the transaction added."""
        self.close()
        if state is not None:
            run_sql_file(
                self.conn,
                "warehouse/save_source_state.sql",
                {"source_system": self.source_system, "state": Jsonb(state)},
            )
        self.conn.commit()
        landed = self.landed
        self._transaction_ended()
        return landed

    def rollback(self) -> None:
        try:
            self.abandon()
        finally:
            self.conn.rollback()
            self._transaction_ended()


def _conflicting_line(error: psycopg.Error, lines: int) -> int | None:
    """The COPY line (1-based) a unique violation names, if it can be told for sure."""
    match = _COPY_LINE.search(error.diag.context or "")
    if match is None:
        return None
    line = int(match.group(1))
    return line if 1 <= line <= lines else None


class _Writer:
    """The thread that owns the connection during land_stream, fed through a bounded queue.

    ``put`` (caller's thread) blocks while the queue is full, and raises the writer's error
    once it has one. ``finish`` and ``stop`` (caller's thread) end the thread and join it.
    """

    def __init__(self, conn: psycopg.Connection, source_system: str, batch_id: str) -> None:
        self._lander = _Lander(conn, source_system, batch_id)
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(_QUEUE_ITEMS)
        self._ended = False  # _END or _ABORT has been put: nothing may follow
        self.records_new = 0  # read by the caller after join
        self.error: BaseException | None = None  # what stopped the writer, if anything
        # daemon: were join ever skipped, it must not keep the interpreter from exiting
        self._thread = threading.Thread(
            target=self._run, name=f"land_stream-{source_system}", daemon=True
        )
        self._thread.start()

    # ------------------------------------------------------------------ caller's thread

    def put(self, item: tuple[str, Any]) -> None:
        if self.error is not None:
            raise self.error  # the writer's own exception object, traceback and all
        self._queue.put(item)

    def finish(self) -> int:
        """The stream is over: land and commit what is open, join; the versions added."""
        self.put((_END, None))
        self._ended = True
        self._join()
        if self.error is not None:
            raise self.error
        return self.records_new

    def stop(self) -> None:
        """The caller failed: the writer lands what was handed to it before (as landing
        in the caller's thread would have), rolls back the rest, and is joined."""
        if not self._ended:
            self._ended = True
            self._queue.put((_ABORT, None))  # never blocks for long: the writer drains
        self._join()

    def _join(self) -> None:
        # A second KeyboardInterrupt must not leave the thread running on the connection:
        # wait for it all the same, then let the interrupt go on.
        interrupted: BaseException | None = None
        while self._thread.is_alive():
            try:
                self._thread.join()
            except BaseException as error:
                interrupted = error
        if interrupted is not None:
            raise interrupted

    # ------------------------------------------------------------------ writer thread

    def _run(self) -> None:
        try:
            self._land()
        except BaseException as error:
            self.error = error
            self._rollback()
            # Keep taking items, so that the caller's put() never blocks on a full queue
            # before it sees the error; it ends with _END or _ABORT.
            while self._queue.get()[0] not in (_END, _ABORT):
                pass

    def _land(self) -> None:
        lander = self._lander
        get = self._queue.get
        while True:
            kind, argument = get()
            if kind is _LINES:
                lander.add(*argument)
            elif kind is _CLOSE:
                lander.close()
            elif kind is _CHECKPOINT:
                self.records_new += lander.commit(argument)
            elif kind is _INCIDENT:
                lander.record_incident(argument)
            elif kind is _DISCARD:
                lander.rollback()
            elif kind is _END:
                self.records_new += lander.commit()
                return
            else:  # _ABORT
                self._rollback()
                return

    def _rollback(self) -> None:
        """Roll back the open transaction; a failure here must not hide what caused it."""
        try:
            self._lander.rollback()
        except BaseException as error:
            log.warning("land_stream: rollback failed: %r", error)


def land_stream(
    conn: psycopg.Connection,
    source_system: str,
    batch_id: str,
    items: Iterable[StreamItem],
    *,
    flush_every: int = 10_000,
) -> LandResult:
    """Land every record of ``items``; commit at each Checkpoint with its state.

    On an exception the open transaction is rolled back — records since the last checkpoint
    are not landed and the state is not advanced — and the exception propagates. When both
    the stream (in this thread) and the writer failed, the writer's exception propagates:
    it concerns records yielded earlier, and a lander in one thread would have raised it
    before reading on (the stream's is added to it as a note).
    """
    with _switch_interval(_SWITCH_INTERVAL):
        return _land_stream(conn, source_system, batch_id, items, flush_every)


@contextmanager
def _switch_interval(seconds: float) -> Iterator[None]:
    """sys.setswitchinterval at most ``seconds`` for a while (see _SWITCH_INTERVAL)."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, seconds))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _land_stream(
    conn: psycopg.Connection,
    source_system: str,
    batch_id: str,
    items: Iterable[StreamItem],
    flush_every: int,
) -> LandResult:
    result = LandResult()
    run_sql_file(conn, "warehouse/create_landing_buffer.sql")
    conn.commit()  # the temp table must survive a DiscardSinceCheckpoint rollback
    key_transformer, encoding = Transformer(conn), conn.info.encoding
    writer = _Writer(conn, source_system, batch_id)  # from here on, the connection is its
    serialiser = _Serialiser(writer, key_transformer, encoding)
    buffered = 0  # records since the last flush point (what a discard reports)
    try:
        for item in items:
            if isinstance(item, SourceRecord):
                serialiser.add(item)
                result.records_received += 1
                result.entities.add(item.entity)
                buffered += 1
                if buffered >= flush_every:
                    serialiser.end_segment()
                    buffered = 0
            elif isinstance(item, Checkpoint):
                buffered = 0
                # a copy: the writer saves it later, and the connector may reuse its dict
                serialiser.end_segment((_CHECKPOINT, deepcopy(item.state)))
                result.checkpoints += 1
                result.state = item.state
            elif isinstance(item, DiscardSinceCheckpoint):
                serialiser.discard()
                result.discarded += buffered
                buffered = 0
            elif isinstance(item, Incident):
                result.incidents.append(item)
                serialiser.end_segment((_INCIDENT, item))
            else:  # pragma: no cover - a connector bug, not bad data
                raise TypeError(f"connector yielded {type(item).__name__}")
        serialiser.hand_over()
        result.records_new = writer.finish()
    except BaseException as error:
        writer.stop()
        failed = writer.error
        if failed is not None and failed is not error and isinstance(error, Exception):
            failed.add_note(f"the stream meanwhile raised {error!r}")
            raise failed from None
        raise
    return result
