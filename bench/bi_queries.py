"""BI queries against a loaded warehouse (issue 15, "BI queries are fast"):
``python -m bench.bi_queries``.

1. **Load**: a sandbox scenario of about ``--records`` source records (1M by default), its
   departments served over HTTP from this process and synced by ``hub sync`` into a fresh
   scratch warehouse — the same path as ``bench/e2e.py`` (``--url`` reuses a warehouse
   already loaded instead, e.g. one kept with ``--keep``); then ``VACUUM (ANALYZE)``, what
   autovacuum does after a sync (statistics, and the visibility map index-only scans need).
2. **Queries**, each run ``--runs`` times (≥ 20) as the BI reader would send them, through
   ``hub_reader`` (``set role``), so the district scope (``core.reader_scope``) is paid for
   as in production: median and p95 in ms, target < 200 ms median. Then one
   ``EXPLAIN (ANALYZE, BUFFERS)`` of each, saved under ``bench/results/``.

   - one district's projects by stage (``shared.fact_project``, the star's fact);
   - the signing indicators for a quarter (``shared.signing_indicators_quarterly``);
   - the lifecycle funnel for one cohort (``shared.lifecycle_funnel``; skipped with a
     message when the view does not exist yet);
   - a BI-style group-by over the star: ``fact_project ⋈ dim_district ⋈ dim_stage`` by
     district and stage, summing the signed investment.

No timing is asserted anywhere: the figures go to ``--json`` and ``BENCHMARKS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from bench import db
from bench.e2e import RECORDS_PER_PROJECT, hub_sync, served_records

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TARGET_MS = 200.0
READER_ROLE = "hub_reader"


def load(admin: str, records: int, seed: int, keep: bool) -> tuple[str, dict[str, Any]]:
    """A scratch warehouse holding a synced scenario of about ``records`` source records."""
    from hub.sandbox import SandboxDepartments, generate_scenario

    started = time.perf_counter()
    scenario = generate_scenario(size=max(50, round(records / RECORDS_PER_PROJECT)), seed=seed)
    facts: dict[str, Any] = {
        "projects_generated": len(scenario.truth.projects),
        "records": served_records(scenario),
        "scenario_seconds": round(time.perf_counter() - started, 2),
    }
    print(f"# {facts['records']:,} records ({facts['projects_generated']:,} projects)", flush=True)
    with (
        db.scratch_warehouse(admin, f"bi{records}", keep=True) as url,
        tempfile.TemporaryDirectory() as home,
    ):
        sandbox = SandboxDepartments(
            scenario, Path(home) / "land", ports={"commerce": 0, "approval": 0, "stats": 0}
        )
        sandbox.start()
        try:
            env = {
                **os.environ,
                **sandbox.env(),
                "HUB_WAREHOUSE_URL": url,
                "HUB_HOME": str(Path(home) / "hub"),
            }
            seconds, _ = hub_sync(env)
            facts["sync_seconds"] = round(seconds, 1)
            print(f"  hub sync {seconds:8.1f}s", flush=True)
        finally:
            sandbox.stop()
    if not keep:
        print("# (the loaded warehouse is dropped after the queries; --keep keeps it)")
    return url, facts


def drop(admin: str, url: str) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')  # a scratch name


def pg_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def queries(conn: psycopg.Connection) -> list[tuple[str, str, tuple[Any, ...], str | None]]:
    """(name, SQL, parameters, why skipped) — parameters picked from the loaded data."""
    district = conn.execute(
        "select district_code from shared.fact_project group by district_code"
        " order by count(*) desc limit 1"
    ).fetchone()[0]
    quarter = conn.execute(
        "select period from shared.signing_indicators_quarterly order by period desc limit 1"
    ).fetchone()
    quarter = quarter[0] if quarter else "2024Q1"
    found: list[tuple[str, str, tuple[Any, ...], str | None]] = [
        (
            "district_projects_by_stage",
            "select f.stage_key, count(*) as projects,"
            " sum(f.signed_investment_wan) as signed_investment_wan"
            " from shared.fact_project as f where f.district_code = %s"
            " group by f.stage_key order by f.stage_key",
            (district,),
            None,
        ),
        (
            "signing_indicators_quarter",
            "select * from shared.signing_indicators_quarterly where period = %s",
            (quarter,),
            None,
        ),
    ]
    funnel_exists = conn.execute(
        "select to_regclass('shared.lifecycle_funnel') is not null"
    ).fetchone()[0]
    funnel_sql = "select * from shared.lifecycle_funnel where cohort = %s"
    if funnel_exists:
        columns = {
            r[0]
            for r in conn.execute(
                "select column_name from information_schema.columns"
                " where table_schema = 'shared' and table_name = 'lifecycle_funnel'"
            ).fetchall()
        }
        if "cohort" in columns:
            found.append(("lifecycle_funnel_cohort", funnel_sql, (quarter,), None))
        else:
            found.append(
                ("lifecycle_funnel_cohort", funnel_sql, (quarter,), "no column cohort yet")
            )
    else:
        found.append(
            (
                "lifecycle_funnel_cohort",
                funnel_sql,
                (quarter,),
                "shared.lifecycle_funnel does not exist yet (another engineer's 180_*.sql)",
            )
        )
    found.append(
        (
            "star_group_by_district_stage",
            "select d.district_name, s.stage_zh, count(*) as projects,"
            " sum(f.signed_investment_yi) as signed_investment_yi"
            " from shared.fact_project as f"
            " join shared.dim_district as d on d.district_code = f.district_code"
            " join shared.dim_stage as s on s.stage_key = f.stage_key"
            " group by d.district_name, s.stage_zh, s.sort_order"
            " order by d.district_name, s.sort_order",
            (),
            None,
        )
    )
    # not one of issue 15's four: the daily snapshot, read as BI would (one day, by stage)
    found.append(
        (
            "stage_snapshot_one_day",
            "select s.stage_zh, count(*) as projects from shared.fact_project_stage_daily as f"
            " join shared.dim_stage as s on s.stage_key = f.stage_key"
            " where f.snapshot_date = (date_trunc('month', current_date) - interval '1 day')::date"
            " group by s.stage_zh, s.sort_order order by s.sort_order",
            (),
            None,
        )
    )
    return found


def time_query(
    conn: psycopg.Connection, sql: str, params: tuple[Any, ...], runs: int
) -> dict[str, Any]:
    conn.execute(sql, params).fetchall()  # warm: plan cache, buffers
    times = []
    rows = 0
    for _ in range(runs):
        started = time.perf_counter()
        rows = len(conn.execute(sql, params).fetchall())
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    return {
        "runs": runs,
        "rows": rows,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(p95, 2),
        "min_ms": round(times[0], 2),
        "max_ms": round(times[-1], 2),
    }


def explain(conn: psycopg.Connection, sql: str, params: tuple[Any, ...]) -> str:
    rows = conn.execute(f"explain (analyze, buffers) {sql}", params).fetchall()
    return "\n".join(r[0] for r in rows)


def reader_login(url: str) -> tuple[str, str]:
    """A real BI login, as `hub access grant LOGIN hub_reader` makes it (all districts): the
    scope is read from meta.access_grants as in production. (name, its libpq URL)."""
    from sqlalchemy.engine import make_url

    from hub.access import grant

    login, password = f"bench_bi_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    grant(url, login, READER_ROLE, district_code=None, password=password)
    target = make_url(pg_url(url)).set(username=login, password=password)
    return login, target.render_as_string(hide_password=False)


def drop_login(url: str, login: str) -> None:
    with psycopg.connect(pg_url(url), autocommit=True) as conn:
        conn.execute(f'drop owned by "{login}"')  # a name made above
        conn.execute(f'drop role "{login}"')


def run_queries(url: str, runs: int, label: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with psycopg.connect(pg_url(url), autocommit=True) as admin:
        # what autovacuum does after a sync, done now: statistics, and the visibility map that
        # index-only scans need (a sync has just written every core table)
        admin.execute("vacuum (analyze)")
        counts = admin.execute(
            "select (select count(*) from core.projects),"
            " (select count(*) from core.project_milestones),"
            " (select count(*) from core.land_parcels)"
        ).fetchone()
    results["core_projects"], results["core_milestones"], results["core_land_parcels"] = counts
    login, login_url = reader_login(url)
    results["reader"] = f"a login granted {READER_ROLE}, all districts"
    try:
        with psycopg.connect(login_url, autocommit=True) as conn:
            _run(conn, runs, label, results)
    finally:
        drop_login(url, login)
    return results


def _run(conn: psycopg.Connection, runs: int, label: str, results: dict[str, Any]) -> None:
    for name, sql, params, skipped in queries(conn):
        if skipped:
            print(f"  {name:<32} SKIPPED: {skipped}", flush=True)
            results[name] = {"skipped": skipped, "sql": sql}
            continue
        outcome = time_query(conn, sql, params, runs)
        outcome.update(sql=sql, params=list(params))
        plan = explain(conn, sql, params)
        plan_path = RESULTS / f"{label}-{name}.plan.txt"
        plan_path.parent.mkdir(parents=True, exist_ok=True)
        plan_path.write_text(f"-- {sql}\n-- params: {list(params)}\n\n{plan}\n", encoding="utf-8")
        outcome["plan"] = plan_path.relative_to(ROOT).as_posix()
        outcome["meets_target"] = outcome["median_ms"] < TARGET_MS
        results[name] = outcome
        print(
            f"  {name:<32} median {outcome['median_ms']:8.2f} ms"
            f"  p95 {outcome['p95_ms']:8.2f} ms  rows {outcome['rows']:>5}"
            f"  {'ok' if outcome['meets_target'] else 'MISSED'}",
            flush=True,
        )


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| query | median | p95 | rows | target < 200 ms | plan |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, q in result["queries"].items():
        if not isinstance(q, dict):
            continue
        if "skipped" in q:
            lines.append(f"| {name} | – | – | – | skipped: {q['skipped']} | – |")
            continue
        lines.append(
            f"| {name} | {q['median_ms']:.1f} ms | {q['p95_ms']:.1f} ms | {q['rows']} "
            f"| {'met' if q['meets_target'] else '**missed**'} | `{q['plan']}` |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bi_queries", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--records", type=int, default=1_000_000, help="source records to load")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--runs", type=int, default=30, help="timed runs per query (≥ 20)")
    parser.add_argument("--url", default=None, help="a warehouse already loaded: skip the load")
    parser.add_argument("--keep", action="store_true", help="keep the loaded scratch warehouse")
    parser.add_argument("--load-only", action="store_true", help="load (and keep), no queries")
    parser.add_argument("--label", default="s8-bi", help="file name prefix under bench/results")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.runs < 20:
        parser.error("--runs must be at least 20")
    admin = db.admin_url()
    result: dict[str, Any] = {"command": " ".join(sys.argv), "server": db.server_facts(admin)}
    url = args.url
    loaded_here = url is None
    if loaded_here:
        url, result["load"] = load(admin, args.records, args.seed, args.keep or args.load_only)
    else:
        from hub.config import DEFAULT_REFERENCE_DIR
        from hub.warehouse.migrations import upgrade

        upgrade(url, DEFAULT_REFERENCE_DIR)  # today's views and indexes on the kept data
    if args.load_only:
        print(f"# loaded: {url}")
        return 0
    try:
        result["queries"] = run_queries(url, args.runs, args.label)
    finally:
        if loaded_here and not args.keep:
            drop(admin, url)
    target = args.json or RESULTS / f"{args.label}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    result["at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    target.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print()
    print(markdown(result))
    print(f"\n(results: {target})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
