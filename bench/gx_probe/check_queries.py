"""Does GX's unexpected_index_query return exactly the rows GX counted, per expectation?

Truth here is GX itself: COMPLETE with every index (unexpected_index_list, which GX builds
over the expectation's domain, row condition included) and unexpected_count. For each
expectation: the count, the index list, the rows the query returns, and whether they agree.

    .venv/bin/python -m bench.gx_probe.check_queries suite_edge.json edge_cases [--patch] [--queries]
"""

from __future__ import annotations

import sys

from bench.gx_probe.bench_one import index_ids
from bench.gx_probe.common import HERE, connect, load_suite


def main(suite_file: str, table: str, flags: list[str]) -> None:
    if "--patch" in flags:
        from bench.gx_probe.gx_patches import install

        install()
    from bench.gx_probe.gxrun import validate

    suite = load_suite(HERE / suite_file)
    rf = {"result_format": "COMPLETE", "partial_unexpected_count": 1_000_000,
          "unexpected_index_column_names": ["raw_id"], "return_unexpected_index_query": True}
    result, _, _ = validate(suite, table, rf)
    print(f"{'#':>2} {'reason':<28} {'type':<52} {'count':>5} {'list':>5} {'query':>5}  agree")
    with connect() as c:
        for i, (e, r) in enumerate(zip(suite["expectations"], result["results"])):
            res = r.get("result") or {}
            exc = r["exception_info"]
            errors = [v.get("exception_message") for v in ([exc] if "raised_exception" in exc else exc.values())
                      if v.get("raised_exception")]
            count = res.get("unexpected_count", res.get("observed_value"))
            ids = sorted(index_ids(res.get("unexpected_index_list") or [])) if "unexpected_index_list" in res else None
            q = res.get("unexpected_index_query")
            got, qerr = None, None
            if q:
                try:
                    got = sorted(x for (x, *_) in c.execute("select * from (" + q.strip().rstrip(";") + ") q"))
                except Exception as ex:  # noqa: BLE001
                    qerr = str(ex).splitlines()[0]
            agree = "-" if got is None else str(got == ids and len(got) == count)
            print(f"{i:>2} {e['meta']['reason'][:28]:<28} {e['type'][:52]:<52} {count!s:>5}"
                  f" {'-' if ids is None else len(ids):>5} {'-' if got is None else len(got):>5}  {agree}"
                  + (f"  GX ERROR: {errors[0][:160]}" if errors else "")
                  + (f"  QUERY ERROR: {qerr}" if qerr else ""))
            if "--queries" in flags and q:
                print("      ", " ".join(q.split())[:700])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
