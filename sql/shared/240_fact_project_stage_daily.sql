-- shared.fact_project_stage_daily: the daily project-stage snapshot of the BI star (issue 15).
-- Grain: one row per project per day, from the day of its first dated milestone through
-- today, with the stage it was in that day. Not stored (see 235_fact_project_stage_spans.sql
-- for why): a view of core.projects ⋈ dim_date in which each row's stage is worked out from
-- that project's milestone dates alone — the furthest milestone reached by that day, by the
-- rules of fact_project_stage_spans (an undated current stage from the latest dated
-- milestone; terminated only where it is projects.stage, from terminated_on) — so a BI query
-- that filters on the day(s) it charts (snapshot_date, date_key, or a dim_date attribute such
-- as is_month_end) reads each project once per chosen day and nothing else: "projects by
-- stage on a day" is one pass over the projects. Selecting it whole is projects × days
-- (hundreds of millions of rows at 1M source records): don't. It equals
-- fact_project_stage_spans expanded to days (tests/integration/test_bi_star.py).
-- District scope as fact_project.
create or replace view shared.fact_project_stage_daily with (security_barrier) as
with

projects as (
    select
        p.hub_project_id, p.district_code, p.industry_chain, p.signed_investment_wan, p.stage,
        p.negotiation_started_on, p.signed_on, p.landed_on, p.construction_started_on,
        p.stats_included_month, p.production_on,
        greatest(
            p.negotiation_started_on, p.signed_on, p.landed_on, p.construction_started_on,
            p.stats_included_month, p.production_on
        ) as latest_dated,
        case when p.stage = 'terminated' then
            coalesce(p.terminated_on, greatest(
                p.negotiation_started_on, p.signed_on, p.landed_on, p.construction_started_on,
                p.stats_included_month, p.production_on
            ))
        end as terminated_from,
        array_position(
            array['negotiating', 'signed', 'landed', 'under_construction', 'in_statistics',
                  'in_production', 'terminated'],
            p.stage
        ) as stage_order
    from core.projects as p
    cross join core.reader_scope as rs
    where (rs.all_districts or p.district_code = any (rs.districts))
),

dated as (
    select
        *,
        least(
            negotiation_started_on, signed_on, landed_on, construction_started_on,
            stats_included_month, production_on, terminated_from
        ) as first_on
    from projects
)

select
    d.date_key,
    d.calendar_date as snapshot_date,
    p.hub_project_id,
    p.district_code,
    p.industry_chain,
    (array['negotiating', 'signed', 'landed', 'under_construction', 'in_statistics',
           'in_production', 'terminated'])[greatest(
        case when p.negotiation_started_on <= d.calendar_date then 1 end,
        case when p.signed_on <= d.calendar_date then 2 end,
        case when p.landed_on <= d.calendar_date then 3 end,
        case when p.construction_started_on <= d.calendar_date then 4 end,
        case when p.stats_included_month <= d.calendar_date then 5 end,
        case when p.production_on <= d.calendar_date then 6 end,
        case when p.terminated_from <= d.calendar_date then 7 end,
        case when p.stage <> 'terminated' and p.latest_dated <= d.calendar_date
            then p.stage_order end
    )] as stage_key,
    p.signed_investment_wan
from dated as p
join shared.dim_date as d
    on d.calendar_date >= p.first_on
   and d.calendar_date <= current_date;

comment on view shared.fact_project_stage_daily is
    '项目阶段逐日快照事实表（BI 星型模型）：每个项目每天一行，自首个有日期的里程碑至今天，含当天所处阶段（当天及以前已达到的最远里程碑，规则同 fact_project_stage_spans）；不落表，按日期筛选时每个所选日期只读一遍项目；整表为项目数×天数，请按日期（如月末）筛选 / Daily project-stage snapshot of the BI star: one row per project per day from its first dated milestone through today, with its stage that day (the furthest milestone reached by then, rules as in fact_project_stage_spans); not stored — filtered on days, it reads the projects once per chosen day; the whole view is projects × days, so filter on the days you chart (e.g. month ends)';
comment on column shared.fact_project_stage_daily.date_key is
    '快照日期键 → dim_date.date_key / Snapshot date key → dim_date.date_key';
comment on column shared.fact_project_stage_daily.snapshot_date is
    '快照日期 / Snapshot date';
comment on column shared.fact_project_stage_daily.hub_project_id is
    '枢纽项目编号 → fact_project.hub_project_id / Hub project id → fact_project.hub_project_id';
comment on column shared.fact_project_stage_daily.district_code is
    '所在区（市）代码 → dim_district.district_code / District code → dim_district.district_code';
comment on column shared.fact_project_stage_daily.industry_chain is
    '所属产业链 → dim_industry_chain.industry_chain / Industry chain → dim_industry_chain.industry_chain';
comment on column shared.fact_project_stage_daily.stage_key is
    '当天所处阶段 → dim_stage.stage_key / Stage that day → dim_stage.stage_key';
comment on column shared.fact_project_stage_daily.signed_investment_wan is
    '签约投资额（万元）；同一项目逐日重复，跨日期不可相加 / Signed investment in 万元; repeated every day, do not sum across days';
