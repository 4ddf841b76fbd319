"""Show, per expectation, what GX returns for a result format: the keys of `result`, the
unexpected_index_query text, and whether running that query gives exactly the failing rows
(compared with truth.py). Also lists the SQL statements GX sent.

    .venv/bin/python -m bench.gx_probe.explore 1000 BASIC 0 [--queries] [--sql] [--checkpoint]
"""

from __future__ import annotations

import sys

from bench.gx_probe.common import connect, load_suite, table_name
from bench.gx_probe.gxrun import SqlLog, validate
from bench.gx_probe.truth import TRUTH


def main(rows: int, fmt: str, partial: int, flags: list[str]) -> None:
    if "--patch" in flags:
        from bench.gx_probe.gx_patches import install
        print("patched", install(), "unexpected_index_query metrics")
    table = table_name(rows)
    suite = load_suite()
    rf = {
        "result_format": fmt,
        "partial_unexpected_count": partial,
        "unexpected_index_column_names": ["raw_id"],
        "return_unexpected_index_query": True,
    }
    log = SqlLog()
    result, _, _ = validate(suite, table, rf, log=log, checkpoint="--checkpoint" in flags)
    print(f"{fmt} partial_unexpected_count={partial} on {table}")
    print(f"{'#':>2} {'type':<44} {'count':>6} {'truth':>6} {'idxlist':>7} {'query':>6}"
          f"  query==truth  result keys")
    with connect() as c:
        for i, r in enumerate(result["results"]):
            cfg = r["expectation_config"]
            res = r["result"]
            q = res.get("unexpected_index_query")
            truth = {x for (x,) in c.execute(
                f"select raw_id from meta.{table} where " + TRUTH[i].replace("{t}", f"meta.{table}"))}
            idx = res.get("unexpected_index_list")
            got = None
            if q:
                got = [x for (x, *_) in c.execute("select * from (" + q.rstrip().rstrip(";") + ") q")]
            count = res.get("unexpected_count", res.get("observed_value"))
            if r["exception_info"].get("raised_exception"):
                count = "EXC"
            print(f"{i:>2} {cfg['type'][:44]:<44} {count!s:>6} {len(truth):>6}"
                  f" {'-' if idx is None else len(idx):>7} {'-' if got is None else len(got):>6}"
                  f"  {'-' if got is None else (set(got) == truth and len(got) == len(truth))!s:<11}"
                  f"  {','.join(k for k in sorted(res) if k.startswith('unexpected_index') or k in ('partial_unexpected_list','unexpected_list','details'))}")
            if "--queries" in flags and q:
                print("      ", " ".join(q.split())[:1500])
    print(f"{len(log.statements)} SQL statements, {sum(t for _, t, _ in log.statements):.3f}s in SQL")
    if "--sql" in flags:
        for s, t, n in log.statements:
            print(f"  {t:7.3f}s rows={n:>6}  {' '.join(s.split())[:250]}")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4:])
