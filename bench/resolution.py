"""Entity resolution at scale: linkage quality against the sandbox's truth, time and memory.

``python -m bench.resolution --projects 10000,100000`` (``make bench-resolution``): per size,
a realistic-variation scenario is generated and loaded into a scratch warehouse
(bench/scenario_load.py), then ``hub.resolve.store.resolve_projects`` runs twice — the first
run links everything, the second must change nothing — and the links are scored pairwise
against the truth (hub/resolve/evaluation.py). Printed and kept as JSON: precision, recall,
F1 overall and per pair of departments, the review queue, seconds and peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

from bench import db
from bench.memory import MemoryWatch
from bench.scenario_load import load_scenario


def measure(admin: str, projects: int, seed: int, names: str) -> dict[str, Any]:
    from hub.resolve.evaluation import pairwise_quality
    from hub.resolve.store import resolve_projects
    from hub.sandbox import generate_scenario
    from hub.warehouse.connection import connect, fetch_dicts

    started = time.perf_counter()
    scenario = generate_scenario(projects, seed, bad_rate=0.0, name_variation=names)
    figures: dict[str, Any] = {
        "projects": projects,
        "seed": seed,
        "names": names,
        "generate_s": round(time.perf_counter() - started, 1),
    }
    with db.scratch_warehouse(admin, "resolution") as url:
        started = time.perf_counter()
        landed = load_scenario(url, scenario)
        figures["load_s"] = round(time.perf_counter() - started, 1)
        figures["source_records"] = sum(landed.values())
        for run in ("first", "second"):
            with connect(url) as conn, MemoryWatch() as watch:
                started = time.perf_counter()
                resolution = resolve_projects(conn)
                conn.commit()
                seconds = time.perf_counter() - started
            figures[f"{run}_run"] = {
                "seconds": round(seconds, 2),
                "records_per_s": round(figures["source_records"] / seconds),
                "rss_growth_mib": round(watch.figures.rss_growth_mib),
                "new_projects": len(resolution.new_project_ids),
                "retired_projects": len(resolution.retired),
                "steps_s": resolution.seconds,
            }
        with connect(url) as conn:
            links = conn.execute(
                "select source_system, source_key, hub_project_id, match_method"
                " from core.project_links"
            ).fetchall()
            [queue] = fetch_dicts(conn, "reports/review_queue_size.sql")
    predicted = {(s, k): pid for s, k, pid, _ in links}
    quality = pairwise_quality(predicted, scenario.truth.record_owner)
    methods: dict[str, int] = {}
    for *_, method in links:
        methods[method] = methods.get(method, 0) + 1
    hub_projects = len(set(predicted.values()))
    figures.update(
        quality={name: counts.as_dict() for name, counts in quality.items()},
        match_methods=methods,
        hub_projects=hub_projects,
        true_projects=len(scenario.truth.projects),
        review_candidates=queue["candidates"],
        projects_in_review=queue["projects_in_review"],
        # core.projects is filled by publishing, which this bench does not run: count linked ids
        projects_in_review_share=round(queue["projects_in_review"] / max(1, hub_projects), 4),
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.resolution", description=__doc__)
    parser.add_argument("--projects", default="10000,100000", help="sizes, comma-separated")
    parser.add_argument("--seed", type=int, default=20250630)
    parser.add_argument("--names", default="realistic", choices=("none", "realistic"))
    parser.add_argument("--json", type=Path, help="where to keep the figures")
    args = parser.parse_args(argv)
    admin = db.admin_url()
    results = []
    for size in (int(s) for s in args.projects.split(",")):
        figures = measure(admin, size, args.seed, args.names)
        results.append(figures)
        overall = figures["quality"]["all"]
        print(
            f"{size:>8} projects  {figures['source_records']:>8} records  "
            f"precision {overall['precision']:.4f}  recall {overall['recall']:.4f}  "
            f"F1 {overall['f1']:.4f}  queue {figures['review_candidates']} candidates, "
            f"{figures['projects_in_review_share']:.2%} of projects  "
            f"resolve {figures['first_run']['seconds']} s "
            f"(again {figures['second_run']['seconds']} s), "
            f"+{figures['first_run']['rss_growth_mib']} MiB",
            flush=True,
        )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = args.json or Path("var/bench") / f"resolution-{stamp}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"# figures kept in {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
