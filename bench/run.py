"""One bench run: per size, a fresh scratch warehouse; per source, plain COPY against landing
(interleaved, ``--repeat`` times), then the audit of the last landed batch.

Everything measured is kept in a JSON document (``--json``, default
``var/bench/bench-<stamp>.json``) and printed as Markdown tables (bench/report.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from bench import audit, audit_cost, db, payloads, report, throughput

DEFAULT_SIZES = (100_000, 1_000_000)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Landing throughput (land_stream) against a plain COPY of the same payloads, and "
            "batch validation time (audit_batch). Quick run: --sizes 100000."
        ),
    )
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="records per source, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--sources",
        default=",".join(payloads.SOURCES),
        help="sources to land (default: all four)",
    )
    parser.add_argument(
        "--audit-sources",
        default="commerce",
        help="sources whose landed batch is audited: a list, 'all' or 'none' (default: "
        "commerce; an audit takes minutes at 1M records)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="plain COPY and landing are measured this many times each, alternately; the "
        "tables show the median (the machine may be shared) (default: %(default)s)",
    )
    parser.add_argument(
        "--lander",
        choices=("hub", "legacy"),
        default="hub",
        help="hub: hub.warehouse.landing.land_stream; legacy: the lander before the "
        "performance work (bench/legacy_landing.py) (default: %(default)s)",
    )
    parser.add_argument(
        "--flush-every", type=int, default=None, help="land_stream flush_every (default: its own)"
    )
    parser.add_argument(
        "--reland",
        action="store_true",
        help="also land every stream a second time (all versions already known: a re-sync)",
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="trace Python allocations during plain COPY and landing (slows both down; "
        "their timings are then flagged)",
    )
    parser.add_argument(
        "--audit-cost-rounds",
        type=int,
        default=1,
        help="rounds of (sync without the audit, sync with it) per audited source, to measure "
        "what the audit adds to a sync; 0 skips it (default: %(default)s)",
    )
    parser.add_argument("--no-explain", action="store_true", help="skip EXPLAIN ANALYZE")
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch databases")
    parser.add_argument("--json", type=Path, default=None, help="where to write the results")
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check that the hub lander lands exactly what the legacy one did",
    )
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.sources = _names(args.sources, payloads.SOURCES)
    if args.audit_sources == "all":
        args.audit_sources = list(args.sources)
    elif args.audit_sources == "none":
        args.audit_sources = []
    else:
        args.audit_sources = _names(args.audit_sources, payloads.SOURCES)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def _names(text: str, allowed: tuple[str, ...]) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise SystemExit(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(allowed)}")
    return names


def machine_facts(admin: str) -> dict[str, Any]:
    import psutil

    facts: dict[str, Any] = {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    from importlib.metadata import PackageNotFoundError, version

    import psycopg

    facts["psycopg"] = f"{psycopg.__version__} ({psycopg.pq.__impl__})"
    try:  # not imported here: importing GX is timed apart (gx_warm_up)
        facts["great_expectations"] = version("great_expectations")
    except PackageNotFoundError:  # pragma: no cover
        facts["great_expectations"] = None
    facts["postgres"] = db.server_facts(admin)
    return facts


def code_fingerprint() -> dict[str, Any]:
    """Which lander and which audit were measured: HEAD, and whether their files differ."""
    import hashlib
    import subprocess

    root = Path(__file__).resolve().parents[1]
    watched = ["hub/warehouse/landing.py", "expectations", "sql/staging", "sql/migrations"]

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    digest = hashlib.sha256()
    for folder in watched:
        path = root / folder
        for file in sorted(path.rglob("*") if path.is_dir() else [path]):
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(file.relative_to(root).as_posix().encode())
                digest.update(file.read_bytes())
    return {
        "head": git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": git("status", "--porcelain", "--", *watched).splitlines(),
        "sha256_of_watched_files": digest.hexdigest()[:16],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover
        pass
    return platform.processor() or "unknown"


def _lander(name: str):
    if name == "legacy":
        from bench.legacy_landing import land_stream
    else:
        from hub.warehouse.landing import land_stream
    return land_stream


def _phase_json(phase: throughput.Phase) -> dict[str, Any]:
    return {
        "name": phase.name,
        "source": phase.source_system,
        "records": phase.records,
        "seconds": round(phase.seconds, 4),
        "records_per_second": round(phase.records_per_second, 1),
        "rss_growth_mib": round(phase.memory.rss_growth_mib, 2),
        "rss_peak_mib": round(phase.memory.rss_peak_mib, 2),
        "tracemalloc_peak_mib": (
            None
            if phase.memory.tracemalloc_peak_mib is None
            else round(phase.memory.tracemalloc_peak_mib, 2)
        ),
        "load_average": None,  # replaced by the phase's own when it was noted
        **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in phase.extra.items()},
    }


def _loaded(phase: throughput.Phase) -> throughput.Phase:
    phase.extra["load_average"] = round(os.getloadavg()[0], 2)
    return phase


def _truncate_raw(url: str, source_system: str) -> None:
    from hub.warehouse.connection import connect

    entity = payloads.SHAPES[source_system].entity
    with connect(url, autocommit=True) as conn:
        conn.execute(f"truncate raw.{source_system}__{entity}")  # names from SHAPES


def run(args: argparse.Namespace, target: Path) -> dict[str, Any]:
    admin = db.admin_url()
    lander = _lander(args.lander)
    results: dict[str, Any] = {
        "command": "python -m bench " + " ".join(sys.argv[1:]),
        "lander": args.lander,
        "flush_every": args.flush_every,
        "repeat": args.repeat,
        "tracemalloc": args.tracemalloc,
        "machine": machine_facts(admin),
        "code": code_fingerprint(),
        "sizes": {},
    }
    for source in args.sources:
        payloads.templates(source)  # the template pool, built before anything is measured
    if args.audit_sources:
        results["gx_warm_up"] = gx_warm_up(admin)
        print(
            f"# GX: import {results['gx_warm_up']['import_seconds']:.1f}s, first audit in this "
            f"process {results['gx_warm_up']['first_audit_seconds']:.1f}s "
            f"({results['gx_warm_up']['rows']} rows); the audits below are not the first",
            flush=True,
        )
    for size in args.sizes:
        print(f"# {size:,} records per source", flush=True)
        per_size: dict[str, Any] = {}
        results["sizes"][str(size)] = per_size
        with db.scratch_warehouse(admin, str(size), keep=args.keep_db) as url:
            for source in args.sources:
                per_size[source] = _bench_source(args, admin, url, source, size, lander)
                _write(results, target)  # so far: a later failure keeps what was measured
    return results


def _write(results: dict[str, Any], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


def gx_warm_up(admin: str, rows: int = 500) -> dict[str, Any]:
    """Import GX and run one small audit, in a scratch warehouse of its own: a process pays
    this once (an Airflow task: once per task), so it is reported apart from the audits."""
    from hub.warehouse.landing import land_stream

    import_seconds = audit.import_gx()
    with db.scratch_warehouse(admin, "warmup") as url:
        landed = throughput.landing(url, "commerce", rows, land_stream)
        figures = audit.audit(url, "commerce", landed.extra["batch_id"], explain=False)
    return {
        "import_seconds": round(import_seconds, 2),
        "first_audit_seconds": round(figures.seconds, 2),
        "rows": rows,
    }


def _bench_source(args, admin: str, url: str, source: str, size: int, lander) -> dict[str, Any]:
    entry: dict[str, Any] = {"plain_copy": [], "landing": []}
    generator = throughput.generator_only(source, size)
    entry["generator"] = _phase_json(generator)
    landed = None
    for attempt in range(args.repeat):
        if attempt:
            _truncate_raw(url, source)  # the same records again must be new again
        db.checkpoint(admin)
        plain = _loaded(throughput.plain_copy(url, source, size, trace=args.tracemalloc))
        entry["plain_copy"].append(_phase_json(plain))
        db.checkpoint(admin)
        landed = _loaded(
            throughput.landing(
                url, source, size, lander, flush_every=args.flush_every, trace=args.tracemalloc
            )
        )
        entry["landing"].append(_phase_json(landed))
        print(
            f"  {source:9s} plain {plain.seconds:7.2f}s  landing {landed.seconds:7.2f}s  "
            f"ratio {plain.seconds / landed.seconds:5.0%}  (load {landed.extra['load_average']})",
            flush=True,
        )
    assert landed is not None
    entry["raw_bytes"] = throughput.raw_size(url, source)
    batch_id = entry["landing"][-1]["batch_id"]
    if args.reland:
        db.checkpoint(admin)
        again = _loaded(throughput.landing(url, source, size, lander, flush_every=args.flush_every))
        entry["reland"] = _phase_json(again)
        print(f"  {source:9s} re-landing (all known) {again.seconds:7.2f}s", flush=True)
    if source in args.audit_sources:
        started = time.perf_counter()
        try:
            figures = audit.audit(url, source, batch_id, explain=not args.no_explain)
        except Exception as error:  # the audit is another team's moving code: note, go on
            entry["audit_error"] = f"{type(error).__name__}: {error}"
            print(f"  {source:9s} audit failed: {entry['audit_error']}", flush=True)
            return entry
        entry["audit"] = audit_json(figures, landing_seconds=landed.seconds)
        print(
            f"  {source:9s} audit {figures.seconds:7.2f}s = "
            f"{figures.seconds / landed.seconds:.0%} of its landing "
            f"({time.perf_counter() - started:.0f}s with EXPLAIN)",
            flush=True,
        )
        if args.audit_cost_rounds:
            cost = audit_cost.measure(admin, url, source, size, args.audit_cost_rounds)
            entry["audit_cost"] = cost
            print(
                f"  {source:9s} sync without audit {cost['sync_without_audit_seconds']:7.2f}s, "
                f"with {cost['sync_with_audit_seconds']:7.2f}s: the audit adds "
                f"{cost['audit_added_share']:.0%}; typed {cost['times_typed']} time(s)",
                flush=True,
            )
    return entry


def audit_json(figures: audit.AuditFigures, *, landing_seconds: float) -> dict[str, Any]:
    runner_steps = [
        {"seconds": round(s.seconds, 3), "statement": report.first_words(s.text, 8)}
        for s in figures.statements
        if s.origin == "runner"
    ]
    return {
        "batch_id": figures.batch_id,
        "rows_checked": figures.rows_checked,
        "rows_rejected": figures.rows_rejected,
        "seconds": round(figures.seconds, 3),
        "landing_seconds": round(landing_seconds, 3),
        "ratio_to_landing": round(figures.seconds / landing_seconds, 3),
        "gx_seconds": round(figures.gx_seconds, 3),
        "gx_statements": figures.count_of("gx"),
        "gx_statement_seconds": round(figures.seconds_of("gx"), 3),
        "gx_outside_statements_seconds": round(figures.gx_seconds - figures.seconds_of("gx"), 3),
        "gx_statement_kinds": dict(figures.gx_kinds().most_common()),
        "gx_slowest": [
            {"seconds": round(s.seconds, 3), "statement": report.first_words(s.text, 40)}
            for s in figures.slowest("gx", 5)
        ],
        "runner_statements": figures.count_of("runner"),
        "runner_statement_seconds": round(figures.seconds_of("runner"), 3),
        "runner_steps": runner_steps,
        "rss_growth_mib": round(figures.memory.rss_growth_mib, 2),
        "explain": figures.explain,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.check:
        from bench.check import run_checks

        return 0 if run_checks(db.admin_url()) else 1
    target = args.json or Path("var/bench") / (
        f"bench-{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    )
    results = run(args, target)
    _write(results, target)
    print()
    print(report.markdown(results))
    print(f"\n(results: {target})")
    return 0
