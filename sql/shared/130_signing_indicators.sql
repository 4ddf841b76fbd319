-- shared.signing_indicators: the signing indicators of the monthly dispatch and quarterly
-- bulletin (月度调度 / 季度通报), as defined in contracts/warehouse.md "Signing indicators".
-- Grain: one row per period that has data: month (2024-03), quarter (2024Q1) and year to date
-- (2024YTD03).
-- Counted: shared.projects rows whose signed_on falls in the period and whose
-- signed_investment_wan >= 10000 (亿元以上), projects terminated later included.
-- "Has data": a month or quarter with at least one counted project; a YTD period from the
-- year's first month with data up to December, or up to the latest month with data when it is
-- the latest year (no YTD period beyond the data).
-- Rounding: half up (away from zero, like Python's decimal ROUND_HALF_UP) on exact numeric
-- values — PostgreSQL round(numeric, n); no float anywhere. Shares: percent of signed_projects,
-- one decimal. Year-on-year: whole percent against the same period a year before, counted
-- from the projects themselves (the base period need not be a row), null where the base is 0.
--
-- One definition, two sets of projects: core.signing_indicators_of computes the figures from
-- the project rows it is given; the view gives it shared.projects (published now), and
-- shared.signing_indicators_as_of(at) (170_signing_indicators_as_of.sql) gives it
-- shared.projects_as_of(at), so a report drawn again later reproduces what was published.
-- The rows are read by the caller — through the scoped views, as the reader — so the
-- district scope applies; the function itself runs as its owner (security definer) only
-- because it reads ref.regions, which readers cannot, and sees nothing but the rows passed in.
create or replace function core.signing_indicators_of(projects shared.projects[])
returns table (
    period text,
    period_start date,
    period_end date,
    period_type text,
    signed_projects bigint,
    signed_investment_yi numeric,
    domestic_projects bigint,
    domestic_share_pct numeric,
    out_of_province_projects bigint,
    out_of_province_share_pct numeric,
    key_region_projects bigint,
    key_region_share_pct numeric,
    advantage_industry_projects bigint,
    advantage_industry_share_pct numeric,
    emerging_industry_projects bigint,
    emerging_industry_share_pct numeric,
    modern_service_projects bigint,
    modern_service_share_pct numeric,
    projects_30yi_plus bigint,
    manufacturing_30yi_plus bigint,
    manufacturing_30yi_plus_yoy_pct integer,
    projects_50yi_plus bigint,
    projects_50yi_plus_yoy_pct integer
)
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
    with

    counted as (
        select
            p.signed_on,
            p.signed_investment_wan,
            p.capital_type = '内资' as is_domestic,
            p.capital_type = '内资'
                and p.origin_province is not null
                and p.origin_province <> '山东省' as is_out_of_province,
            -- a region row with a city matches only that city; one without matches the province
            exists (
                select 1 from ref.regions as r
                where r.province = p.origin_province
                  and (r.city is null or r.city = p.origin_city)
            ) as is_key_region,
            p.industry_category = '优势产业' as is_advantage_industry,
            p.industry_category = '新兴产业' as is_emerging_industry,
            p.industry_category = '现代服务业' as is_modern_service,
            p.signed_investment_wan >= 300000 as is_30yi_plus,
            p.signed_investment_wan >= 300000 and p.is_manufacturing as is_manufacturing_30yi_plus,
            p.signed_investment_wan >= 500000 as is_50yi_plus
        from unnest(projects) as p
        where p.signed_on is not null
          and p.signed_investment_wan >= 10000
    ),

    periods as (
        select * from core.report_periods(array(select signed_on from counted))
    ),

    current_period as (
        select
            pr.period,
            pr.period_start,
            pr.next_start,
            pr.period_type,
            count(*) as signed_projects,
            round(sum(c.signed_investment_wan) / 10000, 1) as signed_investment_yi,
            count(*) filter (where c.is_domestic) as domestic_projects,
            count(*) filter (where c.is_out_of_province) as out_of_province_projects,
            count(*) filter (where c.is_key_region) as key_region_projects,
            count(*) filter (where c.is_advantage_industry) as advantage_industry_projects,
            count(*) filter (where c.is_emerging_industry) as emerging_industry_projects,
            count(*) filter (where c.is_modern_service) as modern_service_projects,
            count(*) filter (where c.is_30yi_plus) as projects_30yi_plus,
            count(*) filter (where c.is_manufacturing_30yi_plus) as manufacturing_30yi_plus,
            count(*) filter (where c.is_50yi_plus) as projects_50yi_plus
        from periods as pr
        join counted as c on c.signed_on >= pr.period_start and c.signed_on < pr.next_start
        group by pr.period, pr.period_start, pr.next_start, pr.period_type
    ),

    -- the same period a year before (2024-03 → 2023-03, 2024Q1 → 2023Q1, 2024YTD03 → 2023YTD03)
    base_period as (
        select
            pr.period,
            count(*) filter (where c.is_manufacturing_30yi_plus) as manufacturing_30yi_plus,
            count(*) filter (where c.is_50yi_plus) as projects_50yi_plus
        from periods as pr
        join counted as c
            on c.signed_on >= (pr.period_start - interval '1 year')::date
           and c.signed_on < (pr.next_start - interval '1 year')::date
        group by pr.period
    )

    select
        cp.period,
        cp.period_start,
        cp.next_start - 1 as period_end,
        cp.period_type,
        cp.signed_projects,
        cp.signed_investment_yi,
        cp.domestic_projects,
        round(100::numeric * cp.domestic_projects / cp.signed_projects, 1) as domestic_share_pct,
        cp.out_of_province_projects,
        round(100::numeric * cp.out_of_province_projects / cp.signed_projects, 1) as out_of_province_share_pct,
        cp.key_region_projects,
        round(100::numeric * cp.key_region_projects / cp.signed_projects, 1) as key_region_share_pct,
        cp.advantage_industry_projects,
        round(100::numeric * cp.advantage_industry_projects / cp.signed_projects, 1) as advantage_industry_share_pct,
        cp.emerging_industry_projects,
        round(100::numeric * cp.emerging_industry_projects / cp.signed_projects, 1) as emerging_industry_share_pct,
        cp.modern_service_projects,
        round(100::numeric * cp.modern_service_projects / cp.signed_projects, 1) as modern_service_share_pct,
        cp.projects_30yi_plus,
        cp.manufacturing_30yi_plus,
        case
            when bp.manufacturing_30yi_plus > 0 then round(
                100::numeric * (cp.manufacturing_30yi_plus - bp.manufacturing_30yi_plus)
                / bp.manufacturing_30yi_plus, 0
            )::integer
        end as manufacturing_30yi_plus_yoy_pct,
        cp.projects_50yi_plus,
        case
            when bp.projects_50yi_plus > 0 then round(
                100::numeric * (cp.projects_50yi_plus - bp.projects_50yi_plus)
                / bp.projects_50yi_plus, 0
            )::integer
        end as projects_50yi_plus_yoy_pct
    from current_period as cp
    left join base_period as bp on bp.period = cp.period
    order by cp.period
$$;

comment on function core.signing_indicators_of(shared.projects[]) is
    '签约指标的唯一定义：按给定的项目行计算（供 signing_indicators 与 signing_indicators_as_of 共用）/ The one definition of the signing indicators, computed from the project rows given (shared by signing_indicators and signing_indicators_as_of)';
revoke all on function core.signing_indicators_of(shared.projects[]) from public;

create or replace view shared.signing_indicators with (security_barrier) as
select *
from core.signing_indicators_of(array(select p from shared.projects as p))
order by period;

comment on view shared.signing_indicators is
    '签约指标（月度调度 / 季度通报）：每个统计期（月、季、年初至今）一行，统计签约投资额1亿元以上项目 / Signing indicators of the monthly dispatch and quarterly bulletin: one row per period (month, quarter, year to date), projects signed at 10,000 万元 or more';
comment on column shared.signing_indicators.period is
    '统计期：月 2024-03、季 2024Q1、年初至今 2024YTD03 / Period: month 2024-03, quarter 2024Q1, year to date 2024YTD03';
comment on column shared.signing_indicators.period_start is
    '统计期首日 / First day of the period';
comment on column shared.signing_indicators.period_end is
    '统计期末日 / Last day of the period';
comment on column shared.signing_indicators.period_type is
    '统计期类型：month、quarter、ytd / Period type: month, quarter or ytd (year to date)';
comment on column shared.signing_indicators.signed_projects is
    '签约亿元以上项目数（签约日期在期内，含后来终止的）/ Projects signed in the period with signed investment of 10,000 万元 or more (later terminated ones included)';
comment on column shared.signing_indicators.signed_investment_yi is
    '签约投资额合计（亿元，保留1位小数，四舍五入）/ Total signed investment in 亿元, one decimal, rounded half up';
comment on column shared.signing_indicators.domestic_projects is
    '内资项目数 / Domestic-capital (内资) projects';
comment on column shared.signing_indicators.domestic_share_pct is
    '内资项目占比（百分数，1位小数）/ Share of domestic-capital projects, percent with one decimal';
comment on column shared.signing_indicators.out_of_province_projects is
    '省外内资项目数（来源省份已知且非山东省）/ Domestic projects from outside Shandong (origin province known and not 山东省)';
comment on column shared.signing_indicators.out_of_province_share_pct is
    '省外内资项目占比（百分数，1位小数）/ Share of out-of-province domestic projects, percent with one decimal';
comment on column shared.signing_indicators.key_region_projects is
    '来自京津冀、长三角、粤港澳大湾区的项目数（不限资本类型）/ Projects from Beijing-Tianjin-Hebei, the Yangtze River Delta or the Greater Bay Area (any capital type)';
comment on column shared.signing_indicators.key_region_share_pct is
    '重点区域项目占比（百分数，1位小数）/ Share of key-region projects, percent with one decimal';
comment on column shared.signing_indicators.advantage_industry_projects is
    '优势产业项目数 / Advantage-industry (优势产业) projects';
comment on column shared.signing_indicators.advantage_industry_share_pct is
    '优势产业项目占比（百分数，1位小数）/ Share of advantage-industry projects, percent with one decimal';
comment on column shared.signing_indicators.emerging_industry_projects is
    '新兴产业项目数 / Emerging-industry (新兴产业) projects';
comment on column shared.signing_indicators.emerging_industry_share_pct is
    '新兴产业项目占比（百分数，1位小数）/ Share of emerging-industry projects, percent with one decimal';
comment on column shared.signing_indicators.modern_service_projects is
    '现代服务业项目数 / Modern-service (现代服务业) projects';
comment on column shared.signing_indicators.modern_service_share_pct is
    '现代服务业项目占比（百分数，1位小数）/ Share of modern-service projects, percent with one decimal';
comment on column shared.signing_indicators.projects_30yi_plus is
    '签约投资额30亿元以上项目数 / Projects signed at 300,000 万元 (30 亿元) or more';
comment on column shared.signing_indicators.manufacturing_30yi_plus is
    '其中制造业项目数 / Of those, manufacturing projects';
comment on column shared.signing_indicators.manufacturing_30yi_plus_yoy_pct is
    '30亿元以上制造业项目数同比增长（整数百分数；上年同期为0时为空）/ Year-on-year growth of manufacturing projects of 30 亿元 or more, whole percent; null where last year''s base is 0';
comment on column shared.signing_indicators.projects_50yi_plus is
    '签约投资额50亿元以上项目数 / Projects signed at 500,000 万元 (50 亿元) or more';
comment on column shared.signing_indicators.projects_50yi_plus_yoy_pct is
    '50亿元以上项目数同比增长（整数百分数；上年同期为0时为空）/ Year-on-year growth of projects of 50 亿元 or more, whole percent; null where last year''s base is 0';
