"""Create the scratch database gxprobe_bench and the typed audit tables.

    .venv/bin/python -m bench.gx_probe.setup_db 100000 1000000
    .venv/bin/python -m bench.gx_probe.setup_db --drop

Each table meta.audit__probe_<rows> has a bigint raw_id primary key and 21 typed columns,
shaped like the commerce audit table; about 5 % of the rows break one or more expectations of
suite_probe.json. The functions staging.uscc_code_values / staging.uscc_is_valid are copied
verbatim from sql/staging/000_parsing.sql.
"""

from __future__ import annotations

import random
import re
import sys

import psycopg

from bench.gx_probe.common import ADMIN, DBNAME, REPO, connect, table_name, valid_uscc


def create_database() -> None:
    with psycopg.connect(ADMIN, autocommit=True) as c:
        exists = c.execute("select 1 from pg_database where datname = %s", (DBNAME,)).fetchone()
        if not exists:
            c.execute(f'create database "{DBNAME}"')


def drop_database() -> None:
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'drop database if exists "{DBNAME}" with (force)')


def functions_sql() -> str:
    text = (REPO / "sql/staging/000_parsing.sql").read_text(encoding="utf-8")
    parts = []
    for name in ("uscc_code_values", "uscc_is_valid"):
        m = re.search(
            rf"create or replace function staging\.{name}\(.*?\n(?:.*\n)*?.*?;\n", text
        )
        assert m, name
        # the function body ends at the first line ending in ';' after 'return'
        start = m.start()
        body_end = text.index(";\n", text.index("return", start)) + 2
        parts.append(text[start:body_end])
    return "\n".join(parts)


def setup_schema(c: psycopg.Connection) -> None:
    c.execute("create schema if not exists staging; create schema if not exists meta;"
              " create schema if not exists ref")
    c.execute(functions_sql())
    c.execute("create table if not exists ref.districts (district_code text primary key)")
    c.execute("insert into ref.districts select '3301' || lpad(i::text, 2, '0')"
              " from generate_series(1, 20) i on conflict do nothing")
    c.execute("create table if not exists uscc_pool (i int primary key, code text not null)")
    if not c.execute("select 1 from uscc_pool limit 1").fetchone():
        rng = random.Random(42)
        with c.cursor().copy("copy uscc_pool (i, code) from stdin") as cp:
            for i in range(1000):
                cp.write_row((i, valid_uscc(rng)))


# Each expectation's bad rows are chosen by a hash of raw_id, so they overlap a little, like
# real data; roughly 5 % of rows fail something.
CREATE = """
drop table if exists meta.{t};
create unlogged table meta.{t} as
with g as (
    select i as raw_id, (hashint8(i * 7919)::bigint + 2147483648) % 10000 as h, (hashint8(i * 104729)::bigint + 2147483648) % 10000 as k
    from generate_series(1::bigint, {rows}) as i
)
select
    raw_id,
    'batch-probe' as batch_id,
    case when h = 17 then 'K' || (raw_id - 1) else 'K' || raw_id end as source_key,
    case when h < 40 then null else 'P' || raw_id end as project_no,
    case when h between 40 and 69 then null else '项目 ' || raw_id end as project_name,
    '投资方 ' || (raw_id % 997) as investor_name,
    case when h between 70 and 99 then '合资' else (array['内资','外资'])[1 + raw_id % 2] end as capital_type,
    (array['优势产业','新兴产业','现代服务业','其他'])[1 + raw_id % 4] as industry_category,
    case when h between 100 and 139 then '谈判中' else (array['在谈','已签约','已落地','已开工','已终止'])[1 + raw_id % 5] end as stage,
    case when h between 140 and 169 then '339999' when k < 50 then null
         else '3301' || lpad((1 + raw_id % 20)::text, 2, '0') end as district_code,
    case when h between 170 and 219 then '20X5-330100-' || raw_id when k between 50 and 99 then null
         else '20' || lpad((raw_id % 30)::text, 2, '0') || '-330100-'
              || lpad((raw_id % 100)::text, 2, '0') || '-01-' || lpad((raw_id % 1000000)::text, 6, '0') end as project_code,
    case when h between 220 and 249 then overlay(p.code placing (case when right(p.code, 1) = '0' then '1' else '0' end) from 18 for 1)
         when k between 100 and 199 then null else p.code end as investor_uscc,
    case when h between 250 and 259 then left(p.code, 17) else p.code end as project_company_uscc,
    case when h between 260 and 279 then 'about 5 million' else ((raw_id % 5000) * 10)::text end as total_investment_text,
    case when h between 260 and 279 then 'about 5 million' end as total_investment_unparsed,
    case when h between 260 and 279 then null when h between 280 and 299 then -(raw_id % 5000)::numeric
         else ((raw_id % 5000) * 10)::numeric end as total_investment_number,
    case when h between 260 and 279 then null when h between 280 and 299 then -(raw_id % 5000)::numeric / 10
         when h between 300 and 329 then 100000000::numeric else ((raw_id % 5000))::numeric end as total_investment_wan,
    case when h between 330 and 349 then '元' else (array['万元','亿元'])[1 + raw_id % 2] end as investment_unit,
    case when h between 350 and 369 then null else date '2020-01-01' + (raw_id % 2000)::int end as signed_on,
    case when h between 350 and 369 then '2023-02-30' end as signed_on_unparsed,
    timestamptz '2024-01-01' + raw_id * interval '1 minute' as updated_at,
    case when h between 370 and 399 then '12345' else '1380000' || lpad((raw_id % 10000)::text, 4, '0') end as contact_phone,
    case when h between 400 and 409 then 'bad' || E'\\x01' end as findings_invalid_text
from g join uscc_pool p on p.i = g.raw_id % 1000;
alter table meta.{t} add primary key (raw_id);
analyze meta.{t};
"""


def create_table(c: psycopg.Connection, rows: int) -> None:
    c.execute(CREATE.format(t=table_name(rows), rows=rows))


if __name__ == "__main__":
    args = sys.argv[1:]
    if args == ["--drop"]:
        drop_database()
        print("dropped", DBNAME)
        sys.exit()
    create_database()
    with connect() as c:
        setup_schema(c)
        for rows in map(int, args or ["100000"]):
            create_table(c, rows)
            print("created", table_name(rows))
