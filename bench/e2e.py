"""The whole pipeline, end to end, against its limit (issue 13): ``python -m bench.e2e``.

Per size: a sandbox scenario with about that many source records, its departments served
over HTTP from this process (``SandboxDepartments``, as the tests do), and a fresh scratch
warehouse. Then, in this order and in one run:

1. **plain COPY** of every served payload into a bare table: the limit (``bench.plain_all``);
   then **dlt**, the second baseline, when ``.venv-dlt`` exists (``make bench-dlt-setup``):
   ``bench/dlt/load_sandbox.py`` loads the same departments with dlt's REST API source into
   a scratch schema of the same database (dropped after), and its records per department
   must equal what the sandbox serves;
2. **full sync**: ``hub sync`` in a child process (its peak memory is the hub's alone);
3. **nothing changed**: ``hub sync`` again;
4. **1 % of commerce changed**: that many projects' total investment raised through the
   sandbox (a new ``updated_at``), ``hub sync``, and the new amounts checked in
   ``shared.projects``.

Each sync's steps come from ``meta.sync_steps`` (``hub/steps.py``), so a step that grows
faster than its input shows in the table. Targets (issue 13): full sync ≥ 30 % of plain
COPY's records/s and ≥ 2× dlt's; nothing changed ≤ 10 % and 1 % changed ≤ 5 % of the full
sync; peak memory ≤ 1 GB. Without ``.venv-dlt`` the dlt baseline is skipped (a note says
so) and its column shows "–".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench import db, throughput
from bench.payloads import scenario_templates

RECORDS_PER_PROJECT = 8.8  # a scenario's records per project (10,000 projects: 87,937)
ROOT = Path(__file__).resolve().parents[1]
DLT_PYTHON = ROOT / ".venv-dlt" / "bin" / "python"  # make bench-dlt-setup
DLT_LOADER = ROOT / "bench" / "dlt" / "load_sandbox.py"
DLT_DATASET = "bench_dlt"


def served_by_department(scenario) -> dict[str, int]:
    return {
        "commerce": len(scenario.commerce_records),
        "approval": len(scenario.approval_events),
        "stats": sum(len(p.rows) for p in scenario.stats_periods if p.current),
        "land": sum(len(f.rows) for f in scenario.land_files),
    }


def served_records(scenario) -> int:
    return sum(served_by_department(scenario).values())


def plain_copy(url: str, scenario) -> float:
    """Seconds to COPY every served payload into one bare table, one commit."""
    from hub.sources import source_systems
    from hub.warehouse.connection import connect

    with connect(url) as conn:
        statement = throughput.bare_table(conn, "plain_all")
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy(statement) as copy:
            for source_system in source_systems():
                for key, payload, _, _ in scenario_templates(
                    scenario, source_system, served_only=True
                ):
                    copy.write_row((key, json.dumps(payload, ensure_ascii=False)))
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("drop table bench.plain_all")
        conn.commit()
    return seconds


def dlt_baseline(url: str, env: dict[str, str], served: dict[str, int]) -> dict[str, Any]:
    """dlt loading the served departments (``bench/dlt/load_sandbox.py`` run by
    ``.venv-dlt``'s Python) into the schema ``bench_dlt`` of ``url``'s database, timed as a
    child process like ``hub sync`` (interpreter start included); its schemas are dropped
    after. ``complete`` says whether every department's records all arrived."""
    from sqlalchemy.engine import make_url

    from hub.warehouse.connection import connect

    pg_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as cwd:  # no .dlt/ config of this repo applies
            started = time.perf_counter()
            run = subprocess.run(
                [
                    str(DLT_PYTHON),
                    str(DLT_LOADER),
                    "--dataset",
                    DLT_DATASET,
                    *shlex.split(os.environ.get("BENCH_DLT_ARGS", "")),  # e.g. "--parallelized"
                ],
                env={**env, "BENCH_DLT_PG_URL": pg_url},
                cwd=cwd,
                capture_output=True,
                text=True,
            )
            seconds = time.perf_counter() - started
    finally:
        with connect(url) as conn:
            for schema in (DLT_DATASET, f"{DLT_DATASET}_staging"):
                conn.execute(f'drop schema if exists "{schema}" cascade')  # names are constants
            conn.commit()
    if run.returncode != 0:
        print(f"  dlt             FAILED (exit {run.returncode}): {run.stderr[-1500:]}", flush=True)
        return {"error": f"exit {run.returncode}: {run.stderr[-2000:]}"}
    loaded = json.loads(run.stdout.strip().splitlines()[-1])
    total = sum(served.values())
    outcome = {
        "seconds": round(seconds, 3),
        "records": loaded["records"],
        "served": served,
        "complete": loaded["records"] == served,
        "records_per_s": round(total / seconds, 1),
        "pipeline_seconds": loaded["seconds"],
        "steps": loaded["steps"],
        "write_disposition": loaded["write_disposition"],
        "loader_file_format": loaded["loader_file_format"],
        "dlt_version": loaded["dlt_version"],
    }
    print(
        f"  dlt {loaded['dlt_version']:<11} {seconds:8.2f}s  "
        f"{outcome['records_per_s']:,.0f} records/s ({loaded['write_disposition']})",
        flush=True,
    )
    if not outcome["complete"]:
        print(f"  dlt INCOMPLETE: loaded {loaded['records']}, served {served}", flush=True)
    return outcome


def hub_sync(env: dict[str, str]) -> tuple[float, float]:
    """``hub sync`` in a child process: (seconds, the peak RSS in MiB of it and the worker
    processes it starts, summed, sampled every 20 ms)."""
    import psutil

    with tempfile.TemporaryFile(mode="w+") as stderr:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "sync"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
        watched = psutil.Process(child.pid)
        peak = 0
        while child.poll() is None:
            try:
                tree = [watched, *watched.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            resident = 0
            for process in tree:
                try:
                    resident += process.memory_info().rss
                except psutil.NoSuchProcess:
                    continue  # a worker that just finished
            peak = max(peak, resident)
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        if child.wait() != 0:
            stderr.seek(0)
            raise RuntimeError(f"hub sync exited {child.returncode}: {stderr.read()[-2000:]}")
    return seconds, peak / 2**20


def last_publish(url: str) -> dict[str, Any]:
    """Whether the sync's publish was full or incremental, and what it recomputed."""
    from hub.warehouse.connection import connect

    with connect(url) as conn:
        row = conn.execute(
            "select publish_id, scope, records_changed, projects_recomputed, projects"
            " from meta.publishes order by publish_id desc limit 1"
        ).fetchone()
    keys = ("publish_id", "scope", "records_changed", "projects_recomputed", "projects")
    return dict(zip(keys, row, strict=True)) if row else {}


def latest_steps(url: str) -> list[dict[str, Any]]:
    from hub.warehouse.connection import connect, fetch_dicts

    with connect(url) as conn:
        return fetch_dicts(conn, "reports/last_run_steps.sql")


def change_commerce(sandbox, share: float) -> dict[str, Decimal]:
    """Raise the total investment of ``share`` of commerce's projects; {project_no: 万元}."""
    records = sorted(sandbox.commerce_records(), key=lambda r: r["project_no"])
    step = max(1, round(1 / share))
    changed: dict[str, Decimal] = {}
    to_wan = {"万元": Decimal(1), "亿元": Decimal(10000)}
    for record in records[::step]:
        unit = to_wan.get(str(record.get("investment_unit")))
        if unit is None or record.get("is_deleted"):
            continue
        try:
            amount = Decimal(str(record["total_investment"])) + 1
        except Exception:  # a record the scenario broke on purpose: not a change to follow
            continue
        sandbox.upsert_commerce_record({**record, "total_investment": str(amount)})
        changed[record["project_no"]] = amount * unit
    return changed


def changed_amounts_published(url: str, changed: dict[str, Decimal]) -> tuple[int, int]:
    """(changed commerce projects whose new amount shared.projects shows, those checked)."""
    from hub.warehouse.connection import connect

    with connect(url) as conn:
        rows = conn.execute(
            "select c.project_no, p.planned_investment_wan, p.provenance"
            " from core.commerce_projects as c"
            " join core.project_links as l"
            "   on l.source_system = 'commerce' and l.source_key = c.project_no"
            " join shared.projects as p on p.hub_project_id = l.hub_project_id"
            " where c.project_no = any(%s)",
            (list(changed),),
        ).fetchall()
    checked = shown = 0
    for project_no, amount, provenance in rows:
        source = (provenance or {}).get("planned_investment_wan") or {}
        if source.get("source_system") != "commerce":
            continue  # stats or approval is the authority for this project's amount
        checked += 1
        shown += amount == changed[project_no]
    return shown, checked


def run_size(admin: str, records: int, seed: int) -> dict[str, Any]:
    from hub.sandbox import SandboxDepartments, generate_scenario

    started = time.perf_counter()
    scenario = generate_scenario(size=max(50, round(records / RECORDS_PER_PROJECT)), seed=seed)
    result: dict[str, Any] = {
        "projects": len(scenario.truth.projects),
        "records": served_records(scenario),
        "scenario_seconds": round(time.perf_counter() - started, 2),
    }
    print(f"# {result['records']:,} records ({result['projects']:,} projects)", flush=True)
    with (
        db.scratch_warehouse(admin, f"e2e{records}") as url,
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
            result["plain_copy_seconds"] = round(plain_copy(url, scenario), 3)
            print(f"  plain COPY      {result['plain_copy_seconds']:8.2f}s", flush=True)
            if DLT_PYTHON.exists():
                result["dlt"] = dlt_baseline(url, env, served_by_department(scenario))
                db.checkpoint(admin)  # the syncs do not pay for dlt's dirty buffers
            else:
                print("  dlt             skipped: no .venv-dlt (make bench-dlt-setup)", flush=True)
            for phase in ("full", "nothing_changed", "one_percent_commerce"):
                if phase == "one_percent_commerce":
                    changed = change_commerce(sandbox, 0.01)
                seconds, peak = hub_sync(env)
                result[phase] = {
                    "seconds": round(seconds, 3),
                    "peak_rss_mib": round(peak, 1),
                    "steps": [
                        {k: _plain(v) for k, v in step.items() if k != "run_id"}
                        for step in latest_steps(url)
                    ],
                }
                result[phase]["publish"] = last_publish(url)
                if phase == "one_percent_commerce":
                    shown, checked = changed_amounts_published(url, changed)
                    result[phase].update(changed=len(changed), shown=shown, checked=checked)
                print(f"  sync {phase:<20} {seconds:8.2f}s  peak {peak:7.1f} MiB", flush=True)
        finally:
            sandbox.stop()
    full = result["full"]["seconds"]
    result["ratios"] = {
        "full_vs_plain_copy_rate": round(result["plain_copy_seconds"] / full, 4),
        "nothing_changed_vs_full": round(result["nothing_changed"]["seconds"] / full, 4),
        "one_percent_vs_full": round(result["one_percent_commerce"]["seconds"] / full, 4),
    }
    if result.get("dlt", {}).get("complete"):
        # hub records/s ÷ dlt records/s over the same served records
        result["ratios"]["full_vs_dlt_rate"] = round(result["dlt"]["seconds"] / full, 4)
    return result


def _recomputed(publish: dict[str, Any]) -> str:
    if not publish:
        return "–"
    return f"{publish['projects_recomputed']:,} of {publish['projects']:,} ({publish['scope']})"


def _dlt_cell(size: dict[str, Any]) -> str:
    """dlt's time and the hub's rate relative to it; "–" where dlt was skipped."""
    run = size.get("dlt")
    if not run:
        return "–"
    if "error" in run:
        return "failed"
    if not run.get("complete"):
        return f"{run['seconds']:.1f} s, incomplete"
    return f"{run['seconds']:.1f} s (**{size['ratios']['full_vs_dlt_rate']:.1f}×**)"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| records | plain COPY | full sync | rate vs COPY | vs dlt (target ≥ 2×) "
        "| nothing changed | 1 % commerce "
        "| peak RSS (full) | changed amounts in shared | projects recomputed (1 %) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in results["sizes"].values():
        r = size["ratios"]
        one, idle = size["one_percent_commerce"], size["nothing_changed"]
        lines.append(
            f"| {size['records']:,} | {size['plain_copy_seconds']:.1f} s "
            f"| {size['full']['seconds']:.1f} s | **{r['full_vs_plain_copy_rate']:.1%}** "
            f"| {_dlt_cell(size)} "
            f"| {idle['seconds']:.1f} s (**{r['nothing_changed_vs_full']:.0%}**) "
            f"| {one['seconds']:.1f} s (**{r['one_percent_vs_full']:.0%}**) "
            f"| {size['full']['peak_rss_mib']:.0f} MiB | {one['shown']}/{one['checked']} "
            f"| {_recomputed(one.get('publish', {}))} |"
        )
    for size in results["sizes"].values():
        lines += ["", f"Steps, {size['records']:,} records (s):", ""]
        phases = ("full", "nothing_changed", "one_percent_commerce")
        lines.append("| step | " + " | ".join(phases) + " |")
        lines.append("|---|" + "---:|" * len(phases))
        keys = [(s["source_system"] or "publish", s["step"]) for s in size["full"]["steps"]]
        for key in keys:
            cells = []
            for phase in phases:
                found = [
                    s["seconds"]
                    for s in size[phase]["steps"]
                    if (s["source_system"] or "publish", s["step"]) == key
                ]
                cells.append(f"{found[0]:.2f}" if found else "–")
            lines.append(f"| {key[0]} {key[1]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="source records, comma-separated")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    target = args.json or Path("var/bench") / (
        f"e2e-{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    )
    results: dict[str, Any] = {"command": " ".join(sys.argv), "sizes": {}}
    for size in [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]:
        results["sizes"][str(size)] = run_size(db.admin_url(), size, args.seed)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print()
    print(markdown(results))
    print(f"\n(results: {target})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
