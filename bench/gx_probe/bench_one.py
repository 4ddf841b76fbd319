"""One timed run of one variant (run in its own process, so max RSS is the variant's).

    .venv/bin/python -m bench.gx_probe.bench_one <variant> <rows>   -> one JSON line

Timed end to end: GX context + validation + every failing raw_id in the PostgreSQL table
audit_failures(check_no, raw_id, reason). GX's import (~3 s) is not timed.
Variants (see FINDINGS.md):
  a_summary0          SUMMARY, partial_unexpected_count 0, no index columns (today's GX call)
  t_translator        the runner's hand translation: one SQL pass (no GX) - reference only
  b_basic             BASIC  + unexpected_index_column_names + return_unexpected_index_query,
                      each query run server-side: insert … select raw_id from (<query>)
  b_summary0          same with SUMMARY, partial 0
  b_complete0/1       same with COMPLETE, partial 0 / 1
  b_bool              BOOLEAN_ONLY + return_unexpected_index_query (no counts in the result)
  b_basic_union       BASIC, all queries in ONE insert … union all …
  b_basic_onepass     BASIC, the WHERE clauses of GX's simple queries OR-ed into one pass
                      (the runner's single scan, but over GX's own rendered conditions)
  b_basic_checkpoint  BASIC via a Checkpoint (no actions) instead of ValidationDefinition.run
  c_complete_all      COMPLETE, partial_unexpected_count = rows: unexpected_index_list into
                      Python, COPY back; unexpected_rows_expectation via vd.get_unexpected_rows
  c_summary_all       SUMMARY, partial_unexpected_count = rows: partial_unexpected_index_list
Add "+patch" to a b_* variant to install gx_patches (row_condition-aware index queries);
without it the row-conditioned expectation's rows are wrong (reported, not hidden).
"""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
import resource
import sys
import time

T_IMPORT0 = time.perf_counter()
import great_expectations  # noqa: E402,F401

T_IMPORT = time.perf_counter() - T_IMPORT0

from psycopg import sql  # noqa: E402

from bench.gx_probe.common import connect, load_suite, table_name  # noqa: E402
from bench.gx_probe.gxrun import SqlLog, validate  # noqa: E402
from bench.gx_probe.truth import TRUTH  # noqa: E402

IDX = {"unexpected_index_column_names": ["raw_id"], "return_unexpected_index_query": True}
FORMATS = {
    "a_summary0": {"result_format": "SUMMARY", "partial_unexpected_count": 0},
    "b_basic": {"result_format": "BASIC", "partial_unexpected_count": 0, **IDX},
    "b_summary0": {"result_format": "SUMMARY", "partial_unexpected_count": 0, **IDX},
    "b_complete0": {"result_format": "COMPLETE", "partial_unexpected_count": 0, **IDX},
    "b_complete1": {"result_format": "COMPLETE", "partial_unexpected_count": 1, **IDX},
    "b_complete1_xv": {"result_format": "COMPLETE", "partial_unexpected_count": 1,
                       "exclude_unexpected_values": True, **IDX},
    "b_bool": {"result_format": "BOOLEAN_ONLY", **IDX},
    "b_basic_union": {"result_format": "BASIC", "partial_unexpected_count": 0, **IDX},
    "b_basic_onepass": {"result_format": "BASIC", "partial_unexpected_count": 0, **IDX},
    "b_basic_checkpoint": {"result_format": "BASIC", "partial_unexpected_count": 0, **IDX},
    "b_basic_par2": {"result_format": "BASIC", "partial_unexpected_count": 0, **IDX},
    "a_today": {"result_format": "SUMMARY", "partial_unexpected_count": 0},
    "b_basic_selcopy": {"result_format": "BASIC", "partial_unexpected_count": 0, **IDX},
    "d_prequery_selcopy": {"result_format": "SUMMARY", "partial_unexpected_count": 0},
    "d_prequery": {"result_format": "SUMMARY", "partial_unexpected_count": 0},
    "c_complete_all": {"result_format": "COMPLETE", **IDX},
    "c_summary_all": {"result_format": "SUMMARY", **IDX},
    "c_complete_all_xv": {"result_format": "COMPLETE", "exclude_unexpected_values": True, **IDX},
    "c_summary_all_xv": {"result_format": "SUMMARY", "exclude_unexpected_values": True, **IDX},
}
# an unlogged table of this process's own (not a temp table: b_basic_par2 fills it from
# two connections); dropped at the end
FAILURES = f"audit_failures_{os.getpid()}"
CREATE = (
    f"create unlogged table {FAILURES} (check_no int not null, raw_id bigint not null,"
    " reason text not null)"
)


def rows_query(expectation: dict, table: str) -> str:
    """An unexpected_rows_expectation's own query over the batch: GX substitutes {batch}
    with the batch (here the whole table); literal braces are written {{ }} (str.format)."""
    return expectation["kwargs"]["unexpected_rows_query"].format(batch=f"meta.{table}")


def insert_from(check_no: int, reason: str, query: str) -> sql.Composed:
    return sql.SQL(
        "select {}::int as check_no, q.raw_id, {}::text as reason from ({}) as q"
    ).format(sql.Literal(check_no), sql.Literal(reason), sql.SQL(query.strip().rstrip(";")))


def failure_queries(suite: dict, result: dict, table: str) -> list[sql.Composed]:
    out = []
    for i, (e, r) in enumerate(zip(suite["expectations"], result["results"])):
        reason = e["meta"]["reason"]
        if e["type"] == "unexpected_rows_expectation":
            out.append(insert_from(i, reason, rows_query(e, table)))
            continue
        q = (r.get("result") or {}).get("unexpected_index_query")
        if not q:
            raise RuntimeError(f"#{i} {e['type']}: no unexpected_index_query: {r.get('exception_info')}")
        out.append(insert_from(i, reason, q))
    return out


SIMPLE = re.compile(r"SELECT raw_id, \S+ \nFROM (?P<table>\S+) \nWHERE (?P<cond>.*);", re.S)


def one_pass(suite: dict, result: dict, table: str) -> list[sql.Composed]:
    """GX's simple index queries (SELECT raw_id, col FROM <table> WHERE <cond>) OR-ed into
    one scan, the rest (unique, row-conditioned, unexpected rows) run as they are."""
    conds, rest = [], []
    for i, (e, r) in enumerate(zip(suite["expectations"], result["results"])):
        reason = e["meta"]["reason"]
        q = (r.get("result") or {}).get("unexpected_index_query")
        m = SIMPLE.fullmatch(q.strip()) if q else None
        if m and m["table"] == f"meta.{table}" and " FROM " not in m["cond"].upper():
            conds.append((i, reason, m["cond"]))
        elif e["type"] == "unexpected_rows_expectation":
            rest.append(insert_from(i, reason, rows_query(e, table)))
        else:
            rest.append(insert_from(i, reason, q))
    checks = sql.SQL(", ").join(
        sql.SQL("case when {} then {} end").format(sql.SQL(c), sql.Literal(i)) for i, _, c in conds
    )
    reasons = sql.SQL(", ").join(sql.Literal(r) for _, r, _ in conds)
    nos = sql.SQL(", ").join(sql.Literal(i) for i, _, _ in conds)
    single = sql.SQL(
        "select f.check_no, b.raw_id, (array[{reasons}])[array_position(array[{nos}], f.check_no)]"
        " from (select raw_id, array_remove(array[{checks}], null) as checks from meta.{t} as b"
        " where {any}) as b cross join lateral unnest(b.checks) as f (check_no)"
    ).format(reasons=reasons, nos=nos, checks=checks, t=sql.Identifier(table),
             any=sql.SQL(" or ").join(sql.SQL("(" + c + ")") for _, _, c in conds))
    return [single, *rest]


def index_ids(index_list: list) -> list:
    """raw_ids from GX's unexpected_index_list: [{raw_id: 1, col: v}, ...], or with
    exclude_unexpected_values one dict of columns [{raw_id: [1, 2, ...]}]."""
    if len(index_list) == 1 and isinstance(index_list[0].get("raw_id"), list):
        return index_list[0]["raw_id"]
    return [d["raw_id"] for d in index_list]


def translator(suite: dict, table: str) -> sql.Composed:
    """The runner's shape (expectations/sql/collect_failures.sql) over hand-written SQL."""
    conds = [c.replace("{t}", f"meta.{table}") for c in TRUTH]
    checks = sql.SQL(", ").join(
        sql.SQL("case when {} then {} end").format(sql.SQL(c), sql.Literal(i)) for i, c in enumerate(conds)
    )
    reasons = sql.SQL(", ").join(sql.Literal(e["meta"]["reason"]) for e in suite["expectations"])
    return sql.SQL(
        "insert into " + FAILURES + " select f.check_no, b.raw_id, (array[{reasons}])[f.check_no + 1]"
        " from (select raw_id, array_remove(array[{checks}], null) as checks from meta.{t} as b"
        " where {any}) as b cross join lateral unnest(b.checks) as f (check_no)"
    ).format(reasons=reasons, checks=checks, t=sql.Identifier(table),
             any=sql.SQL(" or ").join(sql.SQL("(" + c + ")") for c in conds))


def select_then_copy(c, stmts: list) -> None:
    """Run each failure query as a plain SELECT (PostgreSQL may run a SELECT in parallel, never
    an INSERT … SELECT), then COPY the (check_no, raw_id, reason) rows back."""
    rows = []
    for s in stmts:
        rows.extend(c.execute(s).fetchall())
    with c.cursor().copy(f"copy {FAILURES} (check_no, raw_id, reason) from stdin") as cp:
        for row in rows:
            cp.write_row(row)


def run_prequery(c, suite: dict, table: str, rf: dict, log: SqlLog, today: bool = False,
                 selcopy: bool = False) -> tuple[float, dict]:
    """d_prequery: ask GX for the index queries first (no scans), then validate (counts, for
    the record and Data Docs) in a thread WHILE this connection runs the queries.
    a_today (today = True): the same overlap with the runner's hand translation instead of
    GX's queries, i.e. what expectations/runner.py does now."""
    import great_expectations as gx

    from bench.gx_probe.gxrun import index_queries, prepare

    ctx, ds, bd, gx_suite = prepare(suite, table)
    vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=table, data=bd, suite=gx_suite))
    if today:
        stmts, insert = [translator(suite, table)], sql.SQL("")
    else:
        queries = index_queries(bd, gx_suite, {**rf, **IDX})
        fake = {"results": [{"result": {"unexpected_index_query": q}} for q in queries]}
        stmts = failure_queries(suite, fake, table)
        insert = sql.SQL("insert into {} (check_no, raw_id, reason) ").format(sql.Identifier(FAILURES))
    log.attach()
    try:
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(lambda: vd.run(result_format=rf).to_json_dict())
            if selcopy:
                select_then_copy(c, stmts)
            else:
                for s in stmts:
                    c.execute(insert + s)
            result = running.result()
    finally:
        log.detach()
        ds.get_engine().dispose()
    position = {e.id: i for i, e in enumerate(gx_suite.expectations)}
    result["results"].sort(key=lambda r: position[r["expectation_config"]["id"]])
    return time.perf_counter(), result


def main(variant: str, rows: int) -> dict:
    base, _, patch = variant.partition("+")
    if patch == "patch":
        from bench.gx_probe.gx_patches import install

        install()
    table = table_name(rows)
    suite = load_suite()
    rf = dict(FORMATS.get(base, {}))
    if "_all" in base:
        rf["partial_unexpected_count"] = rows
    log = SqlLog()
    out: dict = {"variant": variant, "rows": rows, "import_s": round(T_IMPORT, 2)}
    with connect() as c:
        truth = [
            {x for (x,) in c.execute(f"select raw_id from meta.{table} where " + t.replace("{t}", f"meta.{table}"))}
            for t in TRUTH
        ]
        c.execute("select 1")
        t0 = time.perf_counter()
        c.execute(CREATE)
        result = None
        if base in ("d_prequery", "a_today", "d_prequery_selcopy"):
            t_val = run_prequery(c, suite, table, rf, log, today=base == "a_today",
                                 selcopy=base == "d_prequery_selcopy")
            result = t_val[1]
            t_val = t_val[0]
        elif base == "t_translator":
            c.execute(translator(suite, table))
            t_val = t0
        else:
            result, gx_suite, vd = validate(suite, table, rf, log=log,
                                            checkpoint=base == "b_basic_checkpoint")
            t_val = time.perf_counter()
            if base.startswith("b_"):
                if base == "b_basic_union":
                    stmts = [sql.SQL(" union all ").join(failure_queries(suite, result, table))]
                elif base == "b_basic_onepass":
                    stmts = one_pass(suite, result, table)
                else:
                    stmts = failure_queries(suite, result, table)
                insert = sql.SQL("insert into {} (check_no, raw_id, reason) ").format(sql.Identifier(FAILURES))
                if base == "b_basic_selcopy":
                    select_then_copy(c, stmts)
                elif base == "b_basic_par2":
                    def run_on_own_connection(chunk):
                        with connect() as own:
                            for s in chunk:
                                own.execute(insert + s)
                    # longest first, dealt alternately to two connections (2 cores here)
                    with ThreadPoolExecutor(2) as pool:
                        list(pool.map(run_on_own_connection, [stmts[0::2], stmts[1::2]]))
                else:
                    for s in stmts:
                        c.execute(insert + s)
            elif base.startswith("c_"):
                key = "unexpected_index_list" if base.startswith("c_complete") else "partial_unexpected_index_list"
                with c.cursor().copy(f"copy {FAILURES} (check_no, raw_id, reason) from stdin") as cp:
                    for i, (e, r) in enumerate(zip(suite["expectations"], result["results"])):
                        reason = e["meta"]["reason"]
                        if e["type"] == "unexpected_rows_expectation":
                            ids = [d["raw_id"] for d in vd.get_unexpected_rows(gx_suite.expectations[i])]
                        else:
                            ids = index_ids(r["result"].get(key) or [])
                        for x in ids:
                            cp.write_row((i, x, reason))
        t_end = time.perf_counter()
        got = {}
        for i, n, d in c.execute(
            f"select check_no, count(*), count(distinct raw_id) from {FAILURES} group by 1"
        ):
            got[i] = (n, d)
        wrong = []
        for i, t in enumerate(truth):
            ids = {x for (x,) in c.execute(f"select raw_id from {FAILURES} where check_no = %s", (i,))}
            if ids != t or got.get(i, (0, 0))[0] != len(t):
                wrong.append(i)
        out["failure_rows"] = sum(n for n, _ in got.values())
        c.execute(f"drop table {FAILURES}")
    gx_counts_ok = None
    if result is not None and base not in ("b_bool",):
        counts = []
        for r in result["results"]:
            res = r.get("result") or {}
            counts.append(res.get("unexpected_count", res.get("observed_value")))
        gx_counts_ok = counts == [len(t) for t in truth]
    out.update(
        validate_s=round(t_val - t0, 3),
        collect_s=round(t_end - t_val, 3),
        total_s=round(t_end - t0, 3),
        gx_statements=len(log.statements),
        gx_sql_s=round(sum(t for _, t, _ in log.statements), 3),
        result_json_kb=round(len(json.dumps(result, default=str)) / 1024, 1) if result else 0,
        max_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        wrong_checks=wrong,
        gx_counts_ok=gx_counts_ok,
    )
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))))
