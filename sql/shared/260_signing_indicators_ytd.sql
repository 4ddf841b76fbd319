-- shared.signing_indicators_ytd: shared.signing_indicators at one grain (ytd) (issue 15).
-- signing_indicators mixes month, quarter and year-to-date rows (period_type says which), so a
-- BI tool that sums it unfiltered double-counts. The contract view stays as it is; BI reads
-- one grain per view: signing_indicators_monthly, _quarterly and _ytd partition it exactly
-- (tests/integration/test_bi_star.py), plus date keys → dim_date.date_key.
-- Grain: one row per year-to-date period (e.g. 2024YTD03, January through March).
--
-- Same definition, computed per period: signing_indicators hands core.signing_indicators_of
-- every project at once, whose period × project range join costs seconds at 1M source
-- records (bench/bi_queries.py), and a filter on period cannot reach inside it. Here each
-- candidate period (generated from the signing dates' bounds, index probes on
-- core.projects (signed_on)) calls the same function with only the projects that period's row
-- depends on (A below), read through shared.projects (so the same district scope applies),
-- and keeps that period's row: the figures are the function's own, and a query for one period
-- (where period = ..., or year = ...) filters the candidate list before any call, so it
-- computes only those periods. Reading the whole view calls the function once per period:
-- at 1M source records about 1.5 s (monthly), 3 s (quarterly) and 23 s (year to date, whose
-- periods each pass up to two years of projects) — filter it.
create or replace view shared.signing_indicators_ytd with (security_barrier) as
with

candidates as (
    select c.month_start::date as month_start
    from generate_series(
        date_trunc('month', (select min(signed_on) from core.projects)),
        (select max(signed_on) from core.projects),
        interval '1 month'
    ) as c (month_start)
),

-- materialized, so that the bounds reach shared.projects as plain dates: a security-barrier
-- view takes only leakproof conditions, and the date arithmetic that makes them is not (the
-- filter on period still applies to this list before any function call)
periods as materialized (
    select
        b.period, b.period_start, b.next_start,
        (b.period_start - interval '1 year')::date as base_start,
        (b.next_start - interval '1 year')::date as base_next
    from (
        select
            to_char(c.month_start, 'YYYY"YTD"MM') as period,
            date_trunc('year', c.month_start)::date as period_start,
            (c.month_start + interval '1 month')::date as next_start
        from candidates as c
    ) as b
)

select
    pr.period,
    s.period_start,
    s.period_end,
    core.date_key(s.period_start) as period_start_key,
    core.date_key(s.period_end) as period_end_key,
    extract(year from pr.period_start)::integer as year,
    extract(month from pr.next_start - 1)::integer as through_month,
    s.signed_projects,
    s.signed_investment_yi,
    s.domestic_projects,
    s.domestic_share_pct,
    s.out_of_province_projects,
    s.out_of_province_share_pct,
    s.key_region_projects,
    s.key_region_share_pct,
    s.advantage_industry_projects,
    s.advantage_industry_share_pct,
    s.emerging_industry_projects,
    s.emerging_industry_share_pct,
    s.modern_service_projects,
    s.modern_service_share_pct,
    s.projects_30yi_plus,
    s.manufacturing_30yi_plus,
    s.manufacturing_30yi_plus_yoy_pct,
    s.projects_50yi_plus,
    s.projects_50yi_plus_yoy_pct
from periods as pr
cross join lateral core.signing_indicators_of(
    array(
        select p from shared.projects as p
        where
            -- A: the period's projects (January through its month), those of the same
            -- months a year before, and (below) the first counted project after the period,
            -- so that the period exists exactly when core.report_periods would give it from
            -- all the data: through December, or through the latest month with data
            (p.signed_on >= pr.period_start and p.signed_on < pr.next_start)
            or (p.signed_on >= pr.base_start and p.signed_on < pr.base_next)
    )
        || array(
            select p from shared.projects as p
            where p.signed_on >= pr.next_start and p.signed_investment_wan >= 10000
            order by p.signed_on
            limit 1
        )
) as s
cross join core.reader_scope as rs
where s.period = pr.period
  and s.period_type = 'ytd'
  and (rs.all_districts or cardinality(rs.districts) > 0);

comment on view shared.signing_indicators_ytd is
    '签约指标（年初至今粒度）：signing_indicators 中 period_type = ''ytd'' 的行，每个年初至今统计期一行（如 2024YTD03，1月至3月累计），另加 dim_date 日期键；年初至今为累计值，不同统计期不可相加，取所需一期 / Signing indicators, year to date grain: the rows of signing_indicators with period_type = ''ytd'', one row per year-to-date period (e.g. 2024YTD03, January through March), plus dim_date keys; year-to-date rows are cumulative: never add periods, pick the one you need';
comment on column shared.signing_indicators_ytd.period is
    '统计期：月 2024-03、季 2024Q1、年初至今 2024YTD03 / Period: month 2024-03, quarter 2024Q1, year to date 2024YTD03';
comment on column shared.signing_indicators_ytd.period_start is
    '统计期首日 / First day of the period';
comment on column shared.signing_indicators_ytd.period_end is
    '统计期末日 / Last day of the period';
comment on column shared.signing_indicators_ytd.period_start_key is
    '统计期首日的日期键 → dim_date.date_key / Date key of the period''s first day → dim_date.date_key';
comment on column shared.signing_indicators_ytd.period_end_key is
    '统计期末日的日期键 → dim_date.date_key / Date key of the period''s last day → dim_date.date_key';
comment on column shared.signing_indicators_ytd.year is
    '年 / Year';
comment on column shared.signing_indicators_ytd.through_month is
    '累计截至的月份 1–12 / Month the period runs through, 1–12';
comment on column shared.signing_indicators_ytd.signed_projects is
    '签约亿元以上项目数（签约日期在期内，含后来终止的）/ Projects signed in the period with signed investment of 10,000 万元 or more (later terminated ones included)';
comment on column shared.signing_indicators_ytd.signed_investment_yi is
    '签约投资额合计（亿元，保留1位小数，四舍五入）/ Total signed investment in 亿元, one decimal, rounded half up';
comment on column shared.signing_indicators_ytd.domestic_projects is
    '内资项目数 / Domestic-capital (内资) projects';
comment on column shared.signing_indicators_ytd.domestic_share_pct is
    '内资项目占比（百分数，1位小数）/ Share of domestic-capital projects, percent with one decimal';
comment on column shared.signing_indicators_ytd.out_of_province_projects is
    '省外内资项目数（来源省份已知且非山东省）/ Domestic projects from outside Shandong (origin province known and not 山东省)';
comment on column shared.signing_indicators_ytd.out_of_province_share_pct is
    '省外内资项目占比（百分数，1位小数）/ Share of out-of-province domestic projects, percent with one decimal';
comment on column shared.signing_indicators_ytd.key_region_projects is
    '来自京津冀、长三角、粤港澳大湾区的项目数（不限资本类型）/ Projects from Beijing-Tianjin-Hebei, the Yangtze River Delta or the Greater Bay Area (any capital type)';
comment on column shared.signing_indicators_ytd.key_region_share_pct is
    '重点区域项目占比（百分数，1位小数）/ Share of key-region projects, percent with one decimal';
comment on column shared.signing_indicators_ytd.advantage_industry_projects is
    '优势产业项目数 / Advantage-industry (优势产业) projects';
comment on column shared.signing_indicators_ytd.advantage_industry_share_pct is
    '优势产业项目占比（百分数，1位小数）/ Share of advantage-industry projects, percent with one decimal';
comment on column shared.signing_indicators_ytd.emerging_industry_projects is
    '新兴产业项目数 / Emerging-industry (新兴产业) projects';
comment on column shared.signing_indicators_ytd.emerging_industry_share_pct is
    '新兴产业项目占比（百分数，1位小数）/ Share of emerging-industry projects, percent with one decimal';
comment on column shared.signing_indicators_ytd.modern_service_projects is
    '现代服务业项目数 / Modern-service (现代服务业) projects';
comment on column shared.signing_indicators_ytd.modern_service_share_pct is
    '现代服务业项目占比（百分数，1位小数）/ Share of modern-service projects, percent with one decimal';
comment on column shared.signing_indicators_ytd.projects_30yi_plus is
    '签约投资额30亿元以上项目数 / Projects signed at 300,000 万元 (30 亿元) or more';
comment on column shared.signing_indicators_ytd.manufacturing_30yi_plus is
    '其中制造业项目数 / Of those, manufacturing projects';
comment on column shared.signing_indicators_ytd.manufacturing_30yi_plus_yoy_pct is
    '30亿元以上制造业项目数同比增长（整数百分数；上年同期为0时为空）/ Year-on-year growth of manufacturing projects of 30 亿元 or more, whole percent; null where last year''s base is 0';
comment on column shared.signing_indicators_ytd.projects_50yi_plus is
    '签约投资额50亿元以上项目数 / Projects signed at 500,000 万元 (50 亿元) or more';
comment on column shared.signing_indicators_ytd.projects_50yi_plus_yoy_pct is
    '50亿元以上项目数同比增长（整数百分数；上年同期为0时为空）/ Year-on-year growth of projects of 50 亿元 or more, whole percent; null where last year''s base is 0';
