-- shared.lifecycle_funnel: the lifecycle evaluation (全生命周期评价) of signed projects, as in
-- contracts/warehouse.md ("Lifecycle", "Schema shared"). Grain: one row per signing cohort
-- (cohort_type 'month' 2024-03 or 'quarter' 2024Q1) × district × industry chain that has at
-- least one counted project. Null district or chain is a group of its own (no project is
-- dropped). Month and quarter rows overlap: filter on cohort_type before summing.
-- Counted: shared.projects rows whose signed_on falls in the cohort and whose
-- signed_investment_wan >= 10000 (亿元以上), terminated ones included — the set the signing
-- indicators count (130_signing_indicators.sql).
-- Reached a stage: the project's stage is that stage or a later one in the order negotiating
-- → signed → landed → under_construction → in_statistics → in_production, or it has that
-- stage's date. A terminated project keeps what it reached (its stage is terminated only
-- when nothing shows landed or later, so it counts as signed and terminated). A stage reached
-- without a date (commerce 已落地 / 已开工) counts, but enters no median.
-- Rates: count / signed_projects × 100, one decimal. Medians: percentile_cont(0.5) of whole
-- days between the two dates over the projects having both (null when none), so an even
-- count gives the mean of the middle two; one decimal (exact: always x.0 or x.5); negative
-- where the evidence of the later milestone is dated earlier. Rounding: half up on exact
-- numerics (round(numeric, 1)), as the signing indicators.
-- The cohorts are a calendar of months and quarters from the first signing to the last, joined
-- to the projects by signed_on range: a filter on cohort (or cohort_type, cohort_start) then
-- narrows the calendar first, and the projects are read through core.projects (signed_on)
-- for that range only, not every project labelled and grouped (no per-row subquery).
-- District scope: core.reader_scope, as shared.projects applies it, so a district-scoped
-- login sees only its district's rows.
create or replace view shared.lifecycle_funnel with (security_barrier) as
with

cohorts as (
    select
        t.cohort_type,
        case t.cohort_type
            when 'month' then to_char(s.cohort_start, 'YYYY-MM')
            else to_char(s.cohort_start, 'YYYY"Q"Q')
        end as cohort,
        s.cohort_start::date as cohort_start,
        (s.cohort_start + t.length)::date - 1 as cohort_end
    from (
        select min(signed_on) as first_on, max(signed_on) as last_on
        from core.projects
    ) as b
    cross join (values ('month', interval '1 month'), ('quarter', interval '3 months'))
        as t (cohort_type, length)
    cross join lateral generate_series(
        date_trunc(t.cohort_type, b.first_on::timestamp), b.last_on::timestamp, t.length
    ) as s (cohort_start)
),

counted as (
    select
        p.signed_on,
        p.district_code,
        p.district_name,
        p.industry_chain,
        p.signed_investment_wan,
        p.completed_investment_ytd_wan,
        p.stage in ('landed', 'under_construction', 'in_statistics', 'in_production')
            or p.landed_on is not null as reached_landed,
        p.stage in ('under_construction', 'in_statistics', 'in_production')
            or p.construction_started_on is not null as reached_under_construction,
        p.stage in ('in_statistics', 'in_production')
            or p.stats_included_month is not null as reached_in_statistics,
        p.stage = 'in_production' or p.production_on is not null as reached_in_production,
        p.stage = 'terminated' as is_terminated,
        p.landed_on - p.signed_on as days_signed_to_landed,
        p.construction_started_on - p.landed_on as days_landed_to_construction
    from core.projects as p
    cross join core.reader_scope as rs
    where (rs.all_districts or p.district_code = any (rs.districts))
      and p.signed_on is not null
      and p.signed_investment_wan >= 10000
),

grouped as (
    select
        co.cohort_type,
        co.cohort,
        co.cohort_start,
        co.cohort_end,
        c.district_code,
        c.district_name,
        c.industry_chain,
        count(*) as signed_projects,
        count(*) filter (where c.reached_landed) as landed_projects,
        count(*) filter (where c.reached_under_construction) as under_construction_projects,
        count(*) filter (where c.reached_in_statistics) as in_statistics_projects,
        count(*) filter (where c.reached_in_production) as in_production_projects,
        count(*) filter (where c.is_terminated) as terminated_projects,
        percentile_cont(0.5) within group (order by c.days_signed_to_landed)
            filter (where c.days_signed_to_landed is not null) as median_signed_to_landed,
        percentile_cont(0.5) within group (order by c.days_landed_to_construction)
            filter (where c.days_landed_to_construction is not null)
            as median_landed_to_construction,
        sum(c.signed_investment_wan) as signed_investment_wan,
        sum(c.completed_investment_ytd_wan) as completed_investment_ytd_wan
    from cohorts as co
    join counted as c on c.signed_on between co.cohort_start and co.cohort_end
    group by
        co.cohort_type, co.cohort, co.cohort_start, co.cohort_end,
        c.district_code, c.district_name, c.industry_chain
)

select
    cohort_type,
    cohort,
    cohort_start,
    cohort_end,
    district_code,
    district_name,
    industry_chain,
    signed_projects,
    landed_projects,
    under_construction_projects,
    in_statistics_projects,
    in_production_projects,
    terminated_projects,
    round(100::numeric * landed_projects / signed_projects, 1) as landed_rate_pct,
    round(100::numeric * under_construction_projects / signed_projects, 1)
        as under_construction_rate_pct,
    round(100::numeric * in_statistics_projects / signed_projects, 1) as in_statistics_rate_pct,
    round(100::numeric * in_production_projects / signed_projects, 1) as in_production_rate_pct,
    round(100::numeric * terminated_projects / signed_projects, 1) as terminated_rate_pct,
    round(median_signed_to_landed::numeric, 1) as median_days_signed_to_landed,
    round(median_landed_to_construction::numeric, 1) as median_days_landed_to_construction,
    round(signed_investment_wan / 10000, 1) as signed_investment_yi,
    completed_investment_ytd_wan
from grouped
order by cohort_type, cohort_start, district_code, industry_chain;

comment on view shared.lifecycle_funnel is
    '全生命周期评价（签约漏斗）：每个签约批次（月、季）× 所在区 × 产业链一行，统计签约投资额1亿元以上项目（含后来终止的）到达各阶段的数量、转化率、签约至落地与落地至开工的天数中位数及累计完成投资；区或产业链为空的项目自成一组；月与季两种批次重叠，汇总前先按 cohort_type 筛选 / Lifecycle evaluation (signing funnel): one row per signing cohort (month, quarter) × district × industry chain, over projects signed at 10,000 万元 or more (later terminated ones included): how many reached each stage, conversion rates, median days signing→landing and landing→construction, and investment completed; projects without a district or chain form a group of their own; month and quarter cohorts overlap, so filter on cohort_type before summing';
comment on column shared.lifecycle_funnel.cohort_type is
    '批次类型：month（月）或 quarter（季）/ Cohort type: month or quarter';
comment on column shared.lifecycle_funnel.cohort is
    '签约批次：月 2024-03、季 2024Q1 / Signing cohort: month 2024-03 or quarter 2024Q1';
comment on column shared.lifecycle_funnel.cohort_start is
    '批次首日 / First day of the cohort';
comment on column shared.lifecycle_funnel.cohort_end is
    '批次末日（含）/ Last day of the cohort (inclusive)';
comment on column shared.lifecycle_funnel.district_code is
    '所在区（市）行政区划代码；为空表示项目所在区未知（这些项目自成一组，不丢弃）/ District code; null for projects whose district is unknown (kept as a group of their own, never dropped)';
comment on column shared.lifecycle_funnel.district_name is
    '所在区（市）名称；区未知时为空 / District name; null where the district is unknown';
comment on column shared.lifecycle_funnel.industry_chain is
    '所属产业链；为空表示未归入产业链（这些项目自成一组，不丢弃）/ Industry chain; null for projects in no chain (kept as a group of their own, never dropped)';
comment on column shared.lifecycle_funnel.signed_projects is
    '签约项目数：签约日期在批次内、签约投资额1亿元以上（含后来终止的）/ Projects signed in the cohort at 10,000 万元 or more (later terminated ones included)';
comment on column shared.lifecycle_funnel.landed_projects is
    '已落地项目数：阶段为已落地或其后，或有落地日期（无日期的落地证据如商务“已落地”也计入）/ Projects that reached landing: stage landed or later, or a landing date (undated evidence such as commerce 已落地 counts)';
comment on column shared.lifecycle_funnel.under_construction_projects is
    '已开工项目数：阶段为在建或其后，或有开工日期 / Projects that reached construction: stage under_construction or later, or a construction start date';
comment on column shared.lifecycle_funnel.in_statistics_projects is
    '已纳统项目数：阶段为已纳统或其后，或有纳统月份 / Projects that reached the statistics roster: stage in_statistics or later, or an inclusion month';
comment on column shared.lifecycle_funnel.in_production_projects is
    '已投产项目数：阶段为已投产，或有投产日期 / Projects fully in production: stage in_production, or a production date';
comment on column shared.lifecycle_funnel.terminated_projects is
    '已终止项目数（阶段为已终止；它们仍计入签约数）/ Terminated projects (stage terminated; still counted as signed)';
comment on column shared.lifecycle_funnel.landed_rate_pct is
    '落地率：已落地项目数 / 签约项目数 × 100，1位小数，四舍五入 / Landing rate: landed_projects / signed_projects × 100, one decimal, rounded half up';
comment on column shared.lifecycle_funnel.under_construction_rate_pct is
    '开工率：已开工项目数 / 签约项目数 × 100，1位小数，四舍五入 / Construction rate: under_construction_projects / signed_projects × 100, one decimal, rounded half up';
comment on column shared.lifecycle_funnel.in_statistics_rate_pct is
    '纳统率：已纳统项目数 / 签约项目数 × 100，1位小数，四舍五入 / Statistics-roster rate: in_statistics_projects / signed_projects × 100, one decimal, rounded half up';
comment on column shared.lifecycle_funnel.in_production_rate_pct is
    '投产率：已投产项目数 / 签约项目数 × 100，1位小数，四舍五入 / Production rate: in_production_projects / signed_projects × 100, one decimal, rounded half up';
comment on column shared.lifecycle_funnel.terminated_rate_pct is
    '终止率：已终止项目数 / 签约项目数 × 100，1位小数，四舍五入 / Termination rate: terminated_projects / signed_projects × 100, one decimal, rounded half up';
comment on column shared.lifecycle_funnel.median_days_signed_to_landed is
    '签约至落地天数中位数（落地日期 − 签约日期，仅含两个日期都有的项目；偶数个取中间两数平均，percentile_cont；1位小数；无此类项目时为空；落地证据早于签约时为负）/ Median days from signing to landing (landed_on − signed_on) over projects having both dates; the mean of the middle two for an even count (percentile_cont); one decimal; null when none; negative where the landing evidence predates signing';
comment on column shared.lifecycle_funnel.median_days_landed_to_construction is
    '落地至开工天数中位数（开工日期 − 落地日期，仅含两个日期都有的项目；percentile_cont；1位小数；无此类项目时为空）/ Median days from landing to construction start (construction_started_on − landed_on) over projects having both dates (percentile_cont); one decimal; null when none';
comment on column shared.lifecycle_funnel.signed_investment_yi is
    '签约投资额合计（亿元，万元合计 ÷ 10000，1位小数，四舍五入）/ Total signed investment in 亿元 (sum in 万元 ÷ 10,000), one decimal, rounded half up';
comment on column shared.lifecycle_funnel.completed_investment_ytd_wan is
    '累计完成投资（万元）：各项目最近一期统计的本年累计完成投资之和（各项目的统计期可能不同）；组内无项目有统计数时为空 / Investment completed, in 万元: the sum of each project''s year-to-date figure in its latest stats period (periods may differ between projects); null when no project of the group has a stats figure';
