"""``python -m bench --check``: the optimised lander lands exactly what the legacy one did.

Each case feeds the same streams to ``bench.legacy_landing.land_stream`` (the lander before
the performance work) and to ``hub.warehouse.landing.land_stream``, each into a scratch
warehouse of its own, then compares everything a lander leaves behind: the LandResult of
every call, the raw rows in raw_id order (raw_id and received_at values aside: raw_id may
have gaps, received_at is a clock — but which rows share one received_at is compared), the
source state, the incidents, and the exception raised, if any.

One difference is on purpose: the new lander lands what PostgreSQL would refuse, in the form
``hub.warehouse.storable`` gives it. The legacy lander is fed that form of each record, so the
two must still agree row for row.

The cases cover what the fast path could get wrong: versions repeated inside a segment,
across segments, across transactions and across calls; NULL source keys; interleaved
entities; incidents and discards between segments; more segments in one transaction than
savepoints are allowed; a stream that fails half-way; a payload PostgreSQL refuses.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench import db, payloads
from bench.legacy_landing import land_stream as legacy_land_stream
from connectors.common.records import (
    Checkpoint,
    DiscardSinceCheckpoint,
    Incident,
    SourceRecord,
    StreamItem,
)
from hub.warehouse import storable
from hub.warehouse.landing import land_stream

BATCH = "stats-20250101T000000Z-0123abcd"


class ConnectorFailed(RuntimeError):
    pass


def _record(entity: str, key: str | None, n: int, **extra: Any) -> SourceRecord:
    return SourceRecord(
        entity=entity, source_key=key, payload={"n": n, "名称": f"项目{n}"}, **extra
    )


def _mixed(step: int) -> Iterator[StreamItem]:
    """Two entities, duplicates at every distance, NULL keys, incidents, a discard."""
    for i in range(40):
        yield _record("roster", f"K{i % 7}", i % 5, context={"period": "2025-01", "revision": 1})
        if i % 3 == 0:
            yield _record("roster", None, i % 4)  # NULL keys: equal when the payload is
        if i % 4 == 0:
            yield _record("extra", f"E{i % 3}", i % 2, provenance={"file": "f.csv", "line": i})
        if i == 17:
            yield Incident(kind="bench_check", detail=f"incident in the middle ({step})")
        if i % 10 == 9:
            yield Checkpoint(state={"step": step, "i": i})
    for i in range(12):  # voided: never lands, and its incident goes with it
        yield _record("roster", f"VOID{i}", i)
        if i == 5:
            yield Incident(kind="bench_check", detail="rolled back with the discard")
    yield DiscardSinceCheckpoint(reason="revision changed")
    for i in range(15):
        yield _record("roster", f"K{i % 9}", 100 + i % 3, context={"period": "2025-02"})
    yield Checkpoint(state={"step": step, "done": True})


def _templates(count: int, offset: int = 0) -> Iterator[StreamItem]:
    """Sandbox-shaped stats rows with the connector's checkpoints (a slice of the bench's)."""
    records = itertools.islice(payloads.records("stats", offset + count), offset, None)
    for i, record in enumerate(records, start=1):
        yield SourceRecord("roster", record.source_key, record.payload, record.context)
        if i % 250 == 0:
            yield Checkpoint(state={"rows": offset + i})
    yield Checkpoint(state={"rows": offset + count, "done": True})


def _awkward() -> Iterator[StreamItem]:
    """Text COPY must escape: backslashes, tabs, newlines, CR in keys and payloads; odd keys."""
    keys = ["a\\b", "tab\there", "new\nline", "cr\rx", "\\N", "\\.", "全角　键", "\u2028x", 7, True]
    for i, key in enumerate(keys):
        payload = {"text": f'line1\nline2\t\\ "q" \u2028 {i}', "n": i, "nested": {"k": [1, "\\"]}}
        yield SourceRecord("roster", key, payload, {"period": "p\\1"}, {"file": "a\tb.csv"})
        yield SourceRecord("roster", key, payload)  # same key, other context: another version
    yield Checkpoint(state={"awkward": True})
    for key in keys[:4]:  # again, after the commit: all known, and a new one beside them
        yield SourceRecord("roster", key, {"text": "new"})
        yield SourceRecord("roster", key, {"n": 0, "text": "line1"})
    yield Checkpoint(state={"awkward": "again"})


def _known_among_new(known: tuple[int, ...], total: int = 300) -> Iterator[StreamItem]:
    """One segment of ``total`` versions of which those at ``known`` landed in the first call."""
    for i in range(total):
        n = i if i in known else 1000 + i
        yield _record("roster", f"K{n}", n)
    yield Checkpoint(state={"known": list(known)})


def _seed(count: int = 300) -> Iterator[StreamItem]:
    for n in range(count):
        yield _record("roster", f"K{n}", n)
    yield Checkpoint(state={"seed": count})


def _failing(count: int) -> Iterator[StreamItem]:
    yield from itertools.islice(_templates(count), count // 2 + 3)
    raise ConnectorFailed("department went away")


def _refused() -> Iterator[StreamItem]:
    yield _record("roster", "OK", 1)
    yield Checkpoint(state={"ok": 1})
    yield _record("roster", "OK2", 2)
    yield SourceRecord("roster", "BAD", {"text": "nul \u0000 inside"})  # jsonb refuses \u0000
    yield Checkpoint(state={"ok": 2})


# (name, [(stream factory, flush_every), ...]) — the calls of one case, in order, one warehouse
CASES: list[tuple[str, list[tuple[Callable[[], Iterator[StreamItem]], int]]]] = [
    ("mixed, flush every 4", [(lambda: _mixed(1), 4)]),
    ("mixed, flush every 10000", [(lambda: _mixed(1), 10_000)]),
    ("mixed twice (second call re-lands)", [(lambda: _mixed(1), 6), (lambda: _mixed(2), 6)]),
    ("40 segments in one transaction", [(lambda: _templates(2_000), 6)]),
    (
        "sandbox rows, then overlapping rows",
        [(lambda: _templates(3_000), 1_000), (lambda: _templates(3_000, 2_000), 700)],
    ),
    (
        "1 known version in a segment (resent once)",
        [(_seed, 10_000), (lambda: _known_among_new((150,)), 10_000)],
    ),
    (
        "2 known versions (resent twice)",
        [(_seed, 10_000), (lambda: _known_among_new((1, 298)), 10_000)],
    ),
    (
        "first version known (careful path at once)",
        [(_seed, 10_000), (lambda: _known_among_new((0,)), 10_000)],
    ),
    (
        "3 known versions (careful path)",
        [(_seed, 10_000), (lambda: _known_among_new((5, 50, 250)), 10_000)],
    ),
    ("awkward text and keys", [(_awkward, 10_000), (_awkward, 3)]),
    ("connector fails half-way", [(lambda: _failing(1_000), 100)]),
    ("payload PostgreSQL refuses", [(_refused, 10)]),
]


def _snapshot(url: str) -> dict[str, Any]:
    from hub.warehouse.connection import connect

    with connect(url, autocommit=True) as conn:
        raw = {}
        for table in ("stats__roster", "stats__extra"):
            exists = conn.execute("select to_regclass(%s)", (f"raw.{table}",)).fetchone()[0]
            if exists is None:
                continue
            rows = conn.execute(
                f"select batch_id, source_key, content_hash, payload, context, provenance,"
                f" dense_rank() over (order by received_at) from raw.{table} order by raw_id"
            ).fetchall()
            raw[table] = rows
        state = conn.execute(
            "select state from meta.source_state where source_system = 'stats'"
        ).fetchall()
        incidents = conn.execute(
            "select source_system, batch_id, kind, detail from meta.incidents order by 4"
        ).fetchall()
    return {"raw": raw, "state": state, "incidents": incidents}


def _ensure_extra_table(url: str) -> None:
    """raw.stats__extra: a second entity for the interleaving cases (shape of every raw table)."""
    from hub.warehouse.connection import connect

    with connect(url) as conn:
        conn.execute("create table raw.stats__extra (like raw.stats__roster including all)")
        conn.commit()


def _legacy_land_storable(conn: Any, source_system: str, batch_id: str, items, **options):
    """The legacy lander, fed what hub.warehouse.storable makes of each record."""
    made = 0

    def stored(items: Iterator[StreamItem]) -> Iterator[StreamItem]:
        nonlocal made
        for item in items:
            if isinstance(item, SourceRecord):
                item, findings = storable.storable_record(item)
                made += bool(findings)
            yield item

    result = legacy_land_stream(conn, source_system, batch_id, stored(items), **options)
    result.records_made_storable = made
    return result


def _run(lander: Callable[..., Any], url: str, calls: list) -> list[Any]:
    from hub.warehouse.connection import connect

    # The old lander committed at every checkpoint: so does the new one here, for what it
    # lands and when to be comparable (its commit cadence has tests of its own).
    cadence = {"commit_every_records": 0} if lander is land_stream else {}
    outcomes = []
    for factory, flush_every in calls:
        with connect(url) as conn:
            try:
                result = lander(conn, "stats", BATCH, factory(), flush_every=flush_every, **cadence)
            except Exception as error:  # compared, not hidden
                outcomes.append(("raised", type(error).__name__))
            else:
                outcomes.append(
                    ("result", {k: v for k, v in vars(result).items() if k != "commits"})
                )
    return outcomes


class _PathCounter:
    """Counts the segments of the new lander by the way they landed (which paths a case hit)."""

    def __init__(self) -> None:
        self.counts = {"direct": 0, "careful": 0}

    @contextmanager
    def watching(self):
        from hub.warehouse import landing

        original_move, original_close = landing._Lander._move, landing._Lander.close
        counts = self.counts

        def move(lander, segment):
            counts["careful"] += 1
            return original_move(lander, segment)

        def close(lander):
            segment = lander.segment
            careful_before = counts["careful"]
            original_close(lander)
            if segment is not None and counts["careful"] == careful_before:
                counts["direct"] += 1

        landing._Lander._move, landing._Lander.close = move, close
        try:
            yield self
        finally:
            landing._Lander._move, landing._Lander.close = original_move, original_close


def run_checks(admin: str) -> bool:
    ok = True
    for name, calls in CASES:
        snapshots = []
        paths = _PathCounter()
        for lander in (_legacy_land_storable, land_stream):
            with db.scratch_warehouse(admin, "check") as url:
                _ensure_extra_table(url)
                if lander is land_stream:
                    with paths.watching():
                        outcomes = _run(lander, url, calls)
                else:
                    outcomes = _run(lander, url, calls)
                snapshots.append((outcomes, _snapshot(url)))
        (old_out, old_db), (new_out, new_db) = snapshots
        same = old_out == new_out and old_db == new_db
        rows = sum(len(r) for r in new_db["raw"].values())
        new_brief = [o if o[0] == "raised" else (o[0], o[1]["records_new"]) for o in new_out]
        print(
            f"{'ok  ' if same else 'FAIL'} {name}: {rows} raw rows; segments landed "
            f"{paths.counts['direct']} direct, {paths.counts['careful']} careful; "
            f"calls {new_brief}"
        )
        if not same:
            ok = False
            for key in ("raw", "state", "incidents"):
                if old_db[key] != new_db[key]:
                    print(f"     differs: {key}\n     legacy: {old_db[key]!s:.600}")
                    print(f"     new:    {new_db[key]!s:.600}")
            if old_out != new_out:
                print(f"     outcomes legacy: {old_out}\n     outcomes new:    {new_out}")
    return ok


def main(admin: str | None = None) -> int:
    return 0 if run_checks(admin or db.admin_url()) else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
