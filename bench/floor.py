"""``python -m bench.floor [source] [records]``: what PostgreSQL alone spends per table shape.

The rows are serialised before the clock starts (as the lander would send them), then COPYed
into tables that differ in one thing at a time: the bare (source_key, payload) table of the
plain COPY, the raw table's columns without any index, plus its primary key, plus the
unique (source_key, content_hash) index, plus the batch_id index (= a raw table), and that
last one again committing every 500 rows (the commerce and land checkpoint cadence). The
server backend's CPU seconds show the floor landing cannot go under with this schema, however
fast Python is.
"""

from __future__ import annotations

import json
import sys
import time

import psutil
from psycopg import sql

from bench import db, payloads
from hub.warehouse.landing import canonical_json, content_hash

SHAPES = (
    ("bare (source_key, payload): the plain COPY", "bare", None),
    ("raw columns, no index", "noidx", None),
    ("+ primary key (raw_id)", "pk", None),
    ("+ unique (source_key, content_hash)", "pk_uq", None),
    ("+ index on batch_id (= a raw table)", "full", None),
    ("same, a commit every 500 rows", "full", 500),
)
RAW_COLUMNS = "batch_id, received_at, source_key, content_hash, payload, context, provenance"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    source = args[0] if args else "commerce"
    count = int(args[1]) if len(args) > 1 else 100_000
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    plain_rows = [(r.source_key, dumps(r.payload)) for r in payloads.records(source, count)]
    raw_rows, seen = [], set()
    for record in payloads.records(source, count):
        payload, context = canonical_json(record.payload), canonical_json(record.context)
        version = (record.source_key, content_hash(payload, context))
        if version not in seen:  # the raw table is unique on it
            seen.add(version)
            raw_rows.append((*version, payload, context, canonical_json(record.provenance)))
    del seen
    admin = db.admin_url()
    print(f"{source}, {count:,} records ({len(raw_rows):,} distinct versions)")
    print("| table | server CPU s | wall s |\n|---|---:|---:|")
    from hub.warehouse.connection import connect

    with db.scratch_warehouse(admin, "floor") as url, connect(url) as conn:
        conn.execute("create schema bench")
        conn.execute("create table bench.bare (source_key text, payload jsonb)")
        like = "like raw.commerce__projects including defaults including identity"
        conn.execute(f"create table bench.noidx ({like})")
        conn.execute(f"create table bench.pk ({like})")
        conn.execute("alter table bench.pk add primary key (raw_id)")
        conn.execute("create table bench.pk_uq (like bench.pk including all)")
        conn.execute(
            "create unique index on bench.pk_uq (source_key, content_hash) nulls not distinct"
        )
        conn.execute("create table bench.full (like raw.commerce__projects including all)")
        now = conn.execute("select now()::text").fetchone()[0]
        conn.commit()
        backend = psutil.Process(conn.info.backend_pid)
        for label, table, every in SHAPES:
            name = sql.Identifier("bench", table)
            conn.execute(sql.SQL("truncate {}").format(name))
            conn.commit()
            db.checkpoint(admin)
            if table == "bare":
                columns, rows = "source_key, payload", plain_rows
            else:
                columns, rows = RAW_COLUMNS, [("floor-1-a", now, *row) for row in raw_rows]
            step = every or len(rows)
            times = backend.cpu_times()
            cpu, started = times.user + times.system, time.perf_counter()
            for start in range(0, len(rows), step):
                statement = sql.SQL("copy {} ({}) from stdin").format(name, sql.SQL(columns))
                with conn.cursor() as cur, cur.copy(statement) as copy:
                    for row in rows[start : start + step]:
                        copy.write_row(row)
                conn.commit()
            times = backend.cpu_times()
            print(
                f"| {label} | {times.user + times.system - cpu:.2f} "
                f"| {time.perf_counter() - started:.2f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
