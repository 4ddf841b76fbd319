"""The lander as it was before the performance work (commit b457a5f), kept verbatim.

Two uses: ``python -m bench --lander legacy`` reproduces the "before" figures of
BENCHMARKS.md, and ``python -m bench --check`` lands the same streams with both landers and
requires identical raw tables, states and results (the oracle for the optimised one).
canonical_json and content_hash are the original ones too (json.dumps on every call): the
hub's produce the same text and hash, faster, so importing them would flatter "before".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from connectors.common.records import (
    Checkpoint,
    DiscardSinceCheckpoint,
    Incident,
    SourceRecord,
    StreamItem,
)
from hub.warehouse.connection import run_sql_file, sql_statement
from hub.warehouse.landing import LandResult, raw_table


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(payload_json: str, context_json: str) -> str:
    return hashlib.sha256(f"{payload_json}\x1f{context_json}".encode()).hexdigest()


class _Buffer:
    """Records waiting for the next COPY, grouped by entity."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[str | None, str, str, str, str]]] = {}
        self.size = 0

    def add(self, record: SourceRecord) -> None:
        payload_json = canonical_json(record.payload)
        context_json = canonical_json(record.context)
        row = (
            record.source_key,
            content_hash(payload_json, context_json),
            payload_json,
            context_json,
            canonical_json(record.provenance),
        )
        self.rows.setdefault(record.entity, []).append(row)
        self.size += 1

    def clear(self) -> None:
        self.rows.clear()
        self.size = 0


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
    are not landed and the state is not advanced — and the exception propagates.
    """
    result = LandResult()
    buffer = _Buffer()
    pending_new = 0
    run_sql_file(conn, "warehouse/create_landing_buffer.sql")
    conn.commit()  # the temp table must survive a DiscardSinceCheckpoint rollback
    try:
        for item in items:
            if isinstance(item, SourceRecord):
                buffer.add(item)
                result.records_received += 1
                result.entities.add(item.entity)
                if buffer.size >= flush_every:
                    pending_new += _flush(conn, source_system, batch_id, buffer)
            elif isinstance(item, Checkpoint):
                pending_new += _flush(conn, source_system, batch_id, buffer)
                run_sql_file(
                    conn,
                    "warehouse/save_source_state.sql",
                    {"source_system": source_system, "state": Jsonb(item.state)},
                )
                conn.commit()
                result.records_new += pending_new
                pending_new = 0
                result.checkpoints += 1
                result.state = item.state
            elif isinstance(item, DiscardSinceCheckpoint):
                conn.rollback()
                result.discarded += buffer.size
                buffer.clear()
                pending_new = 0
            elif isinstance(item, Incident):
                result.incidents.append(item)
                run_sql_file(
                    conn,
                    "warehouse/record_incident.sql",
                    {
                        "source_system": source_system,
                        "batch_id": batch_id,
                        "kind": item.kind,
                        "detail": item.detail,
                    },
                )
            else:  # pragma: no cover - a connector bug, not bad data
                raise TypeError(f"connector yielded {type(item).__name__}")
        pending_new += _flush(conn, source_system, batch_id, buffer)
        conn.commit()
        result.records_new += pending_new
    except BaseException:
        conn.rollback()
        raise
    return result


def _flush(conn: psycopg.Connection, source_system: str, batch_id: str, buffer: _Buffer) -> int:
    """COPY the buffer through the temp table into raw; return how many versions were new."""
    inserted = 0
    for entity, rows in buffer.rows.items():
        with conn.cursor() as cur:
            with cur.copy(sql_statement("warehouse/copy_landing_buffer.sql")) as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(
                sql_statement(
                    "warehouse/move_buffer_to_raw.sql", raw_table=raw_table(source_system, entity)
                ),
                {"batch_id": batch_id},
            )
            inserted += cur.rowcount
    buffer.clear()
    return inserted
