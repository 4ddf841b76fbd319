"""Landing throughput: the hub's ``land_stream`` against a plain COPY of the same payloads.

Both phases consume the same generator (``bench.payloads``), so both pay for generating the
records; ``generator_only`` measures that cost alone for reference.

- plain COPY: ``copy bench.plain_<source> (source_key, payload) from stdin`` — a bare, logged
  table without keys or indexes, the payload serialised with ``json.dumps`` (no key sorting),
  one COPY statement, one commit. The ceiling a lander could reach.
- landing: ``land_stream(conn, source, batch_id, stream, flush_every=...)`` into
  ``raw.<source>__<entity>`` — canonical JSON of payload, context and provenance, sha256
  content hash, deduplication on (source_key, content_hash), a commit with the source state
  at every Checkpoint of the connector's cadence.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psutil
from psycopg import sql

from bench import payloads
from bench.memory import MemoryFigures, MemoryWatch

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass
class Phase:
    name: str
    source_system: str
    records: int
    seconds: float
    memory: MemoryFigures
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


class CpuWatch:
    """CPU seconds used by this process and by the connection's server backend meanwhile.

    The backend is read through /proc, so only when the server runs on this machine (None
    otherwise). Wall time near the sum of both means they took turns; near the larger one
    means they worked at the same time.
    """

    def __init__(self, backend_pid: int) -> None:
        self._me = psutil.Process()
        try:
            self._backend: psutil.Process | None = psutil.Process(backend_pid)
            self._backend.cpu_times()
        except (psutil.Error, OSError):
            self._backend = None
        self.python_s = 0.0
        self.server_s: float | None = None

    @staticmethod
    def _cpu(process: psutil.Process) -> float:
        times = process.cpu_times()
        return times.user + times.system

    def __enter__(self) -> CpuWatch:
        self._start = (self._cpu(self._me), self._cpu(self._backend) if self._backend else 0.0)
        return self

    def __exit__(self, *exc: object) -> None:
        self.python_s = self._cpu(self._me) - self._start[0]
        if self._backend is not None:
            try:
                self.server_s = self._cpu(self._backend) - self._start[1]
            except (psutil.Error, OSError):
                self.server_s = None

    def figures(self) -> dict[str, float | None]:
        return {"python_cpu_s": self.python_s, "server_cpu_s": self.server_s}


def new_batch_id(source_system: str) -> str:
    """Same shape as hub.pipeline.new_batch_id (the audit refuses any other)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{source_system}-{stamp}-{uuid.uuid4().hex[:8]}"


def generator_only(source_system: str, count: int) -> Phase:
    """What producing the stream costs by itself (no database)."""
    with MemoryWatch() as watch:
        started = time.perf_counter()
        n = sum(1 for _ in payloads.stream(source_system, count))
        seconds = time.perf_counter() - started
    return Phase("generator", source_system, count, seconds, watch.figures, {"items": n})


def bare_table(conn: Any, name: str) -> sql.Composed:
    """A fresh, empty bench.<name> (source_key text, payload jsonb), committed; the COPY
    statement that fills it."""
    table = sql.Identifier("bench", name)
    conn.execute("create schema if not exists bench")
    conn.execute(sql.SQL("drop table if exists {}").format(table))
    # autovacuum off: its insert-triggered vacuum of this table must not run during the
    # landing phase that follows and slow it down.
    conn.execute(
        sql.SQL(
            "create table {} (source_key text, payload jsonb) with (autovacuum_enabled = off)"
        ).format(table)
    )
    conn.commit()
    return sql.SQL("copy {} (source_key, payload) from stdin").format(table)


def plain_copy(url: str, source_system: str, count: int, *, trace: bool = False) -> Phase:
    """COPY the payloads into a bare (source_key text, payload jsonb) table; one commit."""
    from hub.warehouse.connection import connect

    with connect(url) as conn:
        statement = bare_table(conn, f"plain_{source_system}")
        with MemoryWatch(trace=trace) as watch, CpuWatch(conn.info.backend_pid) as cpu:
            started = time.perf_counter()
            with conn.cursor() as cur, cur.copy(statement) as copy:
                for record in payloads.records(source_system, count):
                    copy.write_row((record.source_key, _dumps(record.payload)))
            conn.commit()
            seconds = time.perf_counter() - started
        size = conn.execute(
            "select pg_total_relation_size(%s::regclass)", (f"bench.plain_{source_system}",)
        ).fetchone()[0]
    return Phase(
        "plain_copy",
        source_system,
        count,
        seconds,
        watch.figures,
        {"bytes": size, **cpu.figures()},
    )


def landing(
    url: str,
    source_system: str,
    count: int,
    lander: Callable[..., Any],
    *,
    flush_every: int | None = None,
    trace: bool = False,
) -> Phase:
    """``lander(conn, source, batch_id, stream)`` into the raw table; returns the batch id too."""
    from hub.warehouse.connection import connect
    from hub.warehouse.landing import raw_table

    shape = payloads.SHAPES[source_system]
    batch_id = new_batch_id(source_system)
    kwargs = {} if flush_every is None else {"flush_every": flush_every}
    with connect(url) as conn:
        with MemoryWatch(trace=trace) as watch, CpuWatch(conn.info.backend_pid) as cpu:
            started = time.perf_counter()
            result = lander(
                conn, source_system, batch_id, payloads.stream(source_system, count), **kwargs
            )
            seconds = time.perf_counter() - started
        landed = conn.execute(
            sql.SQL("select count(*) from {} where batch_id = %s").format(
                raw_table(source_system, shape.entity)
            ),
            (batch_id,),
        ).fetchone()[0]
    if result.records_received != count or landed != result.records_new:
        raise RuntimeError(
            f"{source_system}: received {result.records_received}/{count}, "
            f"new {result.records_new}, in raw {landed}"
        )
    return Phase(
        "landing",
        source_system,
        count,
        seconds,
        watch.figures,
        {
            "batch_id": batch_id,
            "records_new": result.records_new,
            "checkpoints": result.checkpoints,
            **cpu.figures(),
        },
    )


def raw_size(url: str, source_system: str) -> int:
    from hub.warehouse.connection import connect

    entity = payloads.SHAPES[source_system].entity
    with connect(url, autocommit=True) as conn:
        return conn.execute(
            "select pg_total_relation_size(%s::regclass)", (f"raw.{source_system}__{entity}",)
        ).fetchone()[0]
