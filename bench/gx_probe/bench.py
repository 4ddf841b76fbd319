"""Run every variant (each in a fresh process) `repeat` times per size, interleaved, and
print a table: median / best total seconds and the ratio of the median to variant (a)'s.

    .venv/bin/python -m bench.gx_probe.bench --sizes 100000 1000000 --repeat 3 \
        [--variants a_summary0 b_basic+patch ...] [--json bench/gx_probe/results/x.jsonl]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.gx_probe.common import REPO

VARIANTS = [
    "a_summary0",
    "t_translator",
    "a_today",
    "b_basic+patch",
    "b_basic",
    "b_summary0+patch",
    "b_complete0+patch",
    "b_complete1+patch",
    "b_complete1_xv+patch",
    "b_bool+patch",
    "b_basic_union+patch",
    "b_basic_onepass+patch",
    "b_basic_par2+patch",
    "b_basic_checkpoint+patch",
    "d_prequery+patch",
    "c_summary_all_xv",
    "c_complete_all_xv",
    "c_complete_all",
]


def run_one(variant: str, rows: int) -> dict:
    p = subprocess.run(
        [sys.executable, "-m", "bench.gx_probe.bench_one", variant, str(rows)],
        cwd=REPO, capture_output=True, text=True, timeout=3600,
    )
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode or not line:
        return {"variant": variant, "rows": rows, "error": (p.stderr or p.stdout)[-2000:]}
    return json.loads(line[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--variants", nargs="+", default=VARIANTS)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    out = args.json.open("a") if args.json else None
    results: list[dict] = []
    for rows in args.sizes:
        for rep in range(args.repeat):
            for v in args.variants:
                r = run_one(v, rows)
                r["repeat"] = rep
                r["at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
                results.append(r)
                print(json.dumps(r), flush=True)
                if out:
                    out.write(json.dumps(r) + "\n")
                    out.flush()
    report(results)


def rows_right(variant: str, runs: list[dict]) -> str:
    if variant == "a_summary0":
        return "n/a (counts only, no rows collected)"
    if not any(r["wrong_checks"] for r in runs):
        return "yes"
    return "NO: wrong for checks " + str(runs[0]["wrong_checks"])


def report(results: list[dict]) -> None:
    for rows in sorted({r["rows"] for r in results}):
        rs = [r for r in results if r["rows"] == rows and "error" not in r]
        base = statistics.median(r["total_s"] for r in rs if r["variant"] == "a_summary0") if any(
            r["variant"] == "a_summary0" for r in rs) else None
        print(f"\n### {rows:,} rows (median of {max(r['repeat'] for r in rs) + 1})\n")
        print("| variant | total s (median) | best | × (a) | validate s | collect s | GX SQL stmts | GX SQL s | result KB | max RSS MB | all rows right |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for v in dict.fromkeys(r["variant"] for r in rs):
            vs = [r for r in rs if r["variant"] == v]
            med = statistics.median(r["total_s"] for r in vs)
            ratio = f"{med / base:.2f}" if base else "-"
            print(
                f"| {v} | {med:.2f} | {min(r['total_s'] for r in vs):.2f} | {ratio}"
                f" | {statistics.median(r['validate_s'] for r in vs):.2f}"
                f" | {statistics.median(r['collect_s'] for r in vs):.2f}"
                f" | {vs[0]['gx_statements']} | {statistics.median(r['gx_sql_s'] for r in vs):.2f}"
                f" | {vs[0]['result_json_kb']} | {max(r['max_rss_mb'] for r in vs)}"
                f" | {rows_right(v, vs)} |"
            )
        errs = [r for r in results if r["rows"] == rows and "error" in r]
        for e in errs:
            print("ERROR", e["variant"], e["error"][-500:])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--report"]:
        report([json.loads(x) for p in sys.argv[2:] for x in Path(p).read_text().splitlines() if x.strip()])
    else:
        main()
