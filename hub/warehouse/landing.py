"""Land a connector's stream in raw.<dept>__<entity> with COPY, state in the same transaction.

A version already landed — by an earlier sync, a retry, or a page read twice — lands once:
the raw tables are unique on (source_key, content_hash). The connector's state is written
only together with the records it covers, at a Checkpoint.

When landing commits (the cadence):

- Only at a Checkpoint, and not at every one (connectors yield one per source page): about
  every ``commit_every_records`` records or ``commit_every_seconds`` seconds, or when the
  transaction's savepoints are spent (below). The commit saves the state of that Checkpoint,
  the latest seen, so the saved state is always that of a Checkpoint whose records are all
  committed; records after it are committed only with a later Checkpoint or at the end of the
  stream (which commits, as it always did). A crash or an error loses the open transaction,
  every record since the last commit: the next sync reads them again from the saved state.
- A Checkpoint left uncommitted takes a savepoint instead, the mark, if anything was written
  since the previous one. DiscardSinceCheckpoint rolls back to the mark — exactly the records
  and incidents since the connector's last Checkpoint, not those since the last commit — or,
  with no mark in the transaction, rolls the transaction back. A Checkpoint still ends the
  segment (no savepoint can be taken inside a COPY).

How records travel (the fast path first, because it is the common case):

- Records are streamed by COPY straight into the raw table while the connector yields them,
  in segments of at most ``flush_every`` records (a segment also ends at a Checkpoint, an
  Incident, or a change of entity). PostgreSQL stores the rows while Python serialises the
  next ones, and no row is written twice. A version repeated within a segment is sent once
  (the first occurrence lands, as it always did). A segment runs under a savepoint, except
  the first since the mark (or the start of the transaction), which has nothing before it to
  protect.
- If the COPY meets a version that is already in raw, the unique index stops it. The segment
  is rolled back (to its savepoint, or to the mark or the transaction's start when it was the
  first since them); the line PostgreSQL names is dropped (that version is landed: skipping
  it is what ``on conflict do nothing`` does) and the segment is sent again, at most
  ``_DIRECT_RETRIES`` times. After that — or when the line cannot be told, or it is the
  first — the segment is landed the careful way: COPY into a temporary table, then ``insert
  … on conflict do nothing`` into raw (sql/warehouse/move_buffer_to_raw.sql). So is the rest
  of that transaction up to the next mark, and so are the next segments until one of them
  turns out to be all new: a sync that re-reads landed data (a full resync, a replayed page)
  re-reads more of it.
  Savepoints beyond the 32nd of one transaction (segments' and marks' together) are not
  taken either: the careful way again, or a commit at a Checkpoint (more would overflow
  PostgreSQL's per-backend subtransaction cache and slow every other session's snapshots).

Memory stays flat in the size of the source: only the open segment is held (to resend it).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
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
from hub.warehouse import storable
from hub.warehouse.connection import run_sql_file, sql_statement

# The canonical JSON of a version: what content_hash covers, so its text must never change.
# NaN and ±Infinity raise (PostgreSQL's jsonb refuses them): hub.warehouse.storable takes over.
_CANONICAL = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)
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
        False,  # allow_nan
    )
    if _c_make_encoder is not None
    else None
)
_EMPTY_OBJECT = "{}"  # canonical_json({}): most records have no context or provenance

# per transaction, marks included (PostgreSQL's subtransaction cache holds 64)
_MAX_SAVEPOINTS = 32
_DIRECT_RETRIES = 2  # resends of a segment after a conflict, before the careful path
_SEND_BYTES = 65536  # COPY data is handed to the connection in blocks of about this size
_COPY_LINE = re.compile(r"\bline (\d+)")  # in the CONTEXT of an error during COPY
# The mark: a savepoint of its own rather than a psycopg transaction block, because it must
# outlive the segments' blocks, end with a plain commit or rollback, and stay established when
# rolled back to (a period restarted twice discards twice). Taken again at each mark, it
# shadows the previous one (PostgreSQL keeps both, rolls back to the newest).
_MARK = sql.SQL("savepoint landing_checkpoint")
_BACK_TO_MARK = sql.SQL("rollback to savepoint landing_checkpoint")


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


def _version(record: SourceRecord, key_field: str, *, inspected: bool = False) -> tuple[str, str]:
    """(content_hash, COPY text line of source_key … provenance) of a record.

    canonical_json() and content_hash() fused, with the same results. Canonical JSON never
    holds a raw tab, newline or carriage return (json escapes every control character), so
    only its backslashes need COPY's escaping.

    Raises _Inspect when the record may hold what PostgreSQL cannot store or no field may
    hold (hub.warehouse.storable), unless it was ``inspected`` already.
    """
    try:
        payload_json = canonical_json(record.payload)
        context = record.context
        context_json = _EMPTY_OBJECT if context == {} else canonical_json(context)
        provenance = record.provenance
        provenance_json = _EMPTY_OBJECT if provenance == {} else canonical_json(provenance)
        encoded = payload_json.encode()  # a lone surrogate raises here
        encoded_context = context_json.encode()
        if provenance_json is not _EMPTY_OBJECT:
            provenance_json.encode()
    except (TypeError, ValueError, RecursionError) as error:  # UnicodeEncodeError included
        raise _Inspect from error
    if not inspected and (
        storable.needs_inspection(payload_json)
        or (context_json is not _EMPTY_OBJECT and storable.needs_inspection(context_json))
        or (provenance_json is not _EMPTY_OBJECT and "\\" in provenance_json)
    ):
        raise _Inspect
    digest = hashlib.sha256(encoded)
    digest.update(b"\x1f")
    digest.update(encoded_context)
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


class _Inspect(Exception):
    """A record must go through hub.warehouse.storable before it can land."""


@dataclass
class LandResult:
    records_received: int = 0
    records_new: int = 0
    records_made_storable: int = 0  # held what PostgreSQL or no field could: rejected later
    checkpoints: int = 0
    commits: int = 0  # the one at the end of the stream included
    discarded: int = 0
    incidents: list[Incident] = field(default_factory=list)
    entities: set[str] = field(default_factory=set)
    state: dict[str, Any] | None = None


class _Segment:
    """Consecutive records of one entity, landed together.

    ``lines`` are its distinct versions as COPY text lines of (source_key, content_hash,
    payload, context, provenance) — the temporary table's columns; the direct COPY sends each
    after a prefix with batch_id and received_at. ``copy`` is set while a direct COPY is open
    (``exits`` closes it, its cursor and its savepoint); ``unsent`` holds what is not yet
    handed to it.
    """

    __slots__ = (
        "at_mark",
        "copy",
        "entity",
        "exits",
        "lines",
        "unsent",
        "unsent_chars",
        "versions",
    )

    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.lines: list[str] = []
        self.versions: set[tuple[Any, str]] = set()
        self.copy: psycopg.Copy | None = None
        self.exits: ExitStack | None = None
        self.unsent: list[str] = []
        self.unsent_chars = 0
        self.at_mark = False  # a direct COPY without savepoint (see _start_copy)


class _Lander:
    """The open transaction of one land_stream call and the segment being landed in it."""

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
        self.savepoints = 0  # taken in the open transaction, marks included
        self.direct = True  # False once a segment since the mark went the careful way
        # whether anything since the mark (or the transaction's start, without one) would be
        # lost by rolling back to it
        self.wrote = False
        self.marked = False  # whether the open transaction holds a mark
        self.landed_at_mark = 0  # self.landed when the mark was taken

    # ------------------------------------------------------------------ records in

    def add(self, record: SourceRecord) -> bool:
        """Take one record; True when it had to be made storable (it will be rejected)."""
        key = record.source_key
        try:
            if not storable.key_is_clean(key):
                raise _Inspect
            content, line = _version(record, self._key_field(key))
            flagged = False
        except _Inspect:
            record, findings = storable.storable_record(record)
            content, line = _version(record, self._key_field(record.source_key), inspected=True)
            flagged = bool(findings)
            key = record.source_key

        segment = self.segment
        if segment is None or segment.entity != record.entity:
            self.close()
            segment = self.segment = _Segment(record.entity)
            self._start_copy(segment)
        version = (key, content)
        if version in segment.versions:
            return flagged  # the same version twice in a segment: the first one lands
        segment.versions.add(version)
        segment.lines.append(line)
        if segment.copy is not None:
            segment.unsent.append(self.prefix)  # set by _start_copy with the copy
            segment.unsent.append(line)
            segment.unsent_chars += len(line)
            if segment.unsent_chars >= _SEND_BYTES:
                self._send(segment)
        return flagged

    def _key_field(self, key: Any) -> str:
        """The source key as a field of COPY's text format."""
        if key is None:
            return "\\N"
        if type(key) is str:
            return _copy_text(key)
        # not a str, although SourceRecord says it is: store it as write_row would
        dumped = Transformer(self.conn).get_dumper(key, PyFormat.TEXT).dump(key)
        return _copy_text(bytes(dumped).decode(self.conn.info.encoding))

    def _start_copy(self, segment: _Segment) -> None:
        """Open a direct COPY into raw, if this transaction may.

        Under a savepoint, unless nothing was written since the mark (or the transaction's
        start): then a conflict rolls back to it, which loses nothing and spares two round
        trips — and, after a mark, a subtransaction of the transaction's few.
        """
        if self.rereading or not self.direct:
            return
        if self.wrote and self.savepoints >= _MAX_SAVEPOINTS:
            return
        if self.prefix is None:
            now = run_sql_file(self.conn, "warehouse/transaction_now.sql").fetchone()[0]
            # isoformat: exact to the microsecond, with a numeric offset
            self.prefix = f"{_copy_text(self.batch_id)}\t{now.isoformat()}\t"
        segment.at_mark = not self.wrote
        exits = ExitStack()
        try:
            if not segment.at_mark:
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
    def _send(segment: _Segment) -> None:
        """Hand the unsent lines to the open COPY (in blocks: a resend holds a whole segment)."""
        unsent = segment.unsent
        if unsent and segment.copy is not None:
            for start in range(0, len(unsent), 256):
                segment.copy.write("".join(unsent[start : start + 256]))
        segment.unsent = []
        segment.unsent_chars = 0

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
        while segment.exits is not None:
            try:
                self._send(segment)
                segment.exits.close()  # end of COPY, savepoint released
            except psycopg.errors.UniqueViolation as error:
                # the stack has unwound: the savepoint is rolled back, nothing of it landed
                segment.exits = segment.copy = None
                if segment.at_mark:  # no savepoint: nothing since the mark but this
                    self._back_to_mark()
                line = _conflicting_line(error, len(segment.lines))
                if line is None or line == 1 or retries >= _DIRECT_RETRIES:
                    # known versions from the start, or again and again: a re-read
                    self.direct = False
                    self.rereading = True
                    break
                retries += 1
                del segment.lines[line - 1]  # already in raw: do nothing, as on conflict
                self._start_copy(segment)
                if segment.copy is not None:  # else no savepoint is left: the careful way
                    prefix = self.prefix
                    segment.unsent = [part for kept in segment.lines for part in (prefix, kept)]
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

    def record_incident(self, source_system: str, batch_id: str, incident: Incident) -> None:
        """meta.incidents, in the open transaction (a discard or an error rolls it back)."""
        self.close()  # no other statement can run while a COPY is open
        run_sql_file(
            self.conn,
            "warehouse/record_incident.sql",
            {
                "source_system": source_system,
                "batch_id": batch_id,
                "kind": incident.kind,
                # a detail may quote what a department sent (a field name, a period)
                "detail": storable.escape_text(incident.detail),
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

    def mark(self) -> bool:
        """Take the mark at a Checkpoint that is not committed; False when none can be taken.

        The savepoint a DiscardSinceCheckpoint rolls back to. Nothing written since the last
        mark (or the transaction's start): that one stands for this Checkpoint too.
        """
        self.close()
        if not self.wrote:
            return True
        if self.savepoints >= _MAX_SAVEPOINTS:
            return False  # the Checkpoint must be committed instead
        self.conn.execute(_MARK, prepare=False)
        self.savepoints += 1
        self.marked = True
        self.landed_at_mark = self.landed
        self.wrote = False
        # the next segment needs no savepoint: a direct attempt is as cheap as it was when
        # every Checkpoint began a transaction
        self.direct = True
        return True

    def _back_to_mark(self) -> None:
        """Roll back everything since the mark, or the transaction when it holds none."""
        if not self.marked:
            self.conn.rollback()
            self._transaction_ended()  # the next transaction has its own now()
            return
        self.conn.execute(_BACK_TO_MARK, prepare=False)  # the mark stays, for the next time
        self.landed = self.landed_at_mark
        self.wrote = False
        self.direct = True

    def discard(self) -> None:
        """Void what came since the stream's last Checkpoint (DiscardSinceCheckpoint)."""
        if not self.marked:
            self.rollback()
            return
        self.abandon()  # on an error, land_stream rolls the transaction back
        self._back_to_mark()

    def commit(self, state: dict[str, Any] | None) -> int:
        """Land the open segment, save ``state`` if given and commit; return how many versions
        the transaction added."""
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


def land_stream(
    conn: psycopg.Connection,
    source_system: str,
    batch_id: str,
    items: Iterable[StreamItem],
    *,
    flush_every: int = 10_000,
    commit_every_records: int = 50_000,
    commit_every_seconds: float = 0.5,
    clock: Callable[[], float] = time.monotonic,
) -> LandResult:
    """Land every record of ``items``; commit at a Checkpoint, with its state, once
    ``commit_every_records`` records were received or ``commit_every_seconds`` went by
    (``clock``) since the last commit, and at the end of the stream.

    Connectors checkpoint every source page, far more often than a commit pays for itself; a
    Checkpoint left uncommitted costs a savepoint instead (see the module docstring). A commit
    with its state upsert and the next transaction's ``now()`` costs a millisecond or two, so
    half a second between commits already spares nearly all of it, while each longer wait is
    more landing a crash throws away for the next sync to redo, and rows other sessions (and
    an operator watching a sync) wait longer to see. The clock is what usually decides;
    50,000 records, one to two seconds at the 30,000–60,000 records a second BENCHMARKS.md
    measured, bounds a transaction when landing runs faster or the clock stands still. 0 for
    either commits at every Checkpoint, as landing did before.

    On an exception the open transaction is rolled back — records since the last commit are
    not landed and the state is not advanced past it — and the exception propagates.
    """
    result = LandResult()
    lander = _Lander(conn, source_system, batch_id)
    buffered = 0  # records since the last flush point (what a discard reports)
    received = 0  # records since the last commit
    pending: dict[str, Any] | None = None  # the state of the latest Checkpoint not committed
    run_sql_file(conn, "warehouse/create_landing_buffer.sql")
    conn.commit()  # the temp table must survive a DiscardSinceCheckpoint rollback
    committed_at = clock()
    try:
        for item in items:
            if isinstance(item, SourceRecord):
                if lander.add(item):
                    result.records_made_storable += 1
                result.records_received += 1
                result.entities.add(item.entity)
                buffered += 1
                received += 1
                if buffered >= flush_every:
                    lander.close()
                    buffered = 0
            elif isinstance(item, Checkpoint):
                lander.close()
                buffered = 0
                result.checkpoints += 1
                due = (
                    received >= commit_every_records
                    or clock() - committed_at >= commit_every_seconds
                )
                if due or not lander.mark():
                    result.records_new += lander.commit(item.state)
                    result.commits += 1
                    result.state = item.state
                    pending = None
                    received = 0
                    committed_at = clock()
                else:
                    pending = item.state
            elif isinstance(item, DiscardSinceCheckpoint):
                lander.discard()
                result.discarded += buffered
                buffered = 0
            elif isinstance(item, Incident):
                result.incidents.append(item)
                lander.record_incident(source_system, batch_id, item)
            else:  # pragma: no cover - a connector bug, not bad data
                raise TypeError(f"connector yielded {type(item).__name__}")
        result.records_new += lander.commit(pending)
        result.commits += 1
        if pending is not None:
            result.state = pending
    except BaseException:
        lander.rollback()
        raise
    return result
