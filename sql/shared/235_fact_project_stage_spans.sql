-- shared.fact_project_stage_spans: the lifecycle history of each project as stage intervals
-- (issue 15's daily project-stage snapshot, in its compact form). Grain: one row per project
-- per stage it was in, [valid_from, valid_to): from the day it reached that stage until the
-- day it reached a further one (valid_to null: still in it). fact_project_stage_daily is the
-- same history at one row per project per day (equal to these intervals expanded to days).
--
-- Why intervals and not a stored daily table: a daily table is projects × days — at 1M
-- source records about 110k projects × ~1,500 days ≈ 170M rows, rewritten at every publish
-- although nothing but "today" changes. The intervals are ~4 rows per project, computed when
-- read from core.projects' milestone dates, so they are never stale and need no refresh step;
-- BI joins them to dim_date (valid_from <= calendar_date < coalesce(valid_to, tomorrow)), or
-- reads fact_project_stage_daily filtered to the days it charts — cheaper for a few days,
-- since it needs no window over every project's history (all the intervals take ~1.5 s at
-- 1M source records; one day of the daily view ~0.2 s: bench/bi_queries.py).
--
-- Derivation (contracts/warehouse.md "Lifecycle": a project's stage is the furthest
-- milestone shown): each milestone is reached on its earliest evidence date (the dates
-- shared.projects publishes: negotiation_started_on, signed_on, landed_on,
-- construction_started_on, stats_included_month, production_on); the stage on a day is the
-- furthest milestone reached by then. Evidence without a date (e.g. commerce stage 已落地) is
-- placed only when it is the project's current stage: from the project's latest dated
-- milestone, so the open interval always agrees with projects.stage. Terminated counts only
-- where projects.stage is terminated (evidence of landing or later wins, as in projects), from
-- terminated_on (or the latest dated milestone when it has none). A project without any
-- dated milestone has no interval. District scope as fact_project.
create or replace view shared.fact_project_stage_spans with (security_barrier) as
with

scoped as (
    select
        p.hub_project_id, p.district_code, p.industry_chain, p.stage, p.signed_investment_wan,
        p.negotiation_started_on, p.signed_on, p.landed_on, p.construction_started_on,
        p.stats_included_month, p.production_on, p.terminated_on,
        greatest(
            p.negotiation_started_on, p.signed_on, p.landed_on, p.construction_started_on,
            p.stats_included_month, p.production_on
        ) as latest_dated
    from core.projects as p
    cross join core.reader_scope as rs
    where (rs.all_districts or p.district_code = any (rs.districts))
),

reached as (
    select s.hub_project_id, m.sort_order, coalesce(m.on_date, s.latest_dated) as on_date
    from scoped as s
    cross join lateral (
        values
            ('negotiating', 1, s.negotiation_started_on),
            ('signed', 2, s.signed_on),
            ('landed', 3, s.landed_on),
            ('under_construction', 4, s.construction_started_on),
            ('in_statistics', 5, s.stats_included_month),
            ('in_production', 6, s.production_on),
            ('terminated', 7, s.terminated_on)
    ) as m (stage_key, sort_order, on_date)
    where (m.on_date is not null or m.stage_key = s.stage)
      and (m.stage_key <> 'terminated' or s.stage = 'terminated')
),

running as (
    select
        hub_project_id,
        on_date,
        max(max(sort_order)) over (
            partition by hub_project_id order by on_date rows unbounded preceding
        ) as reached_order
    from reached
    where on_date is not null
    group by hub_project_id, on_date
),

changes as (
    select
        hub_project_id, on_date, reached_order,
        lag(reached_order) over (partition by hub_project_id order by on_date) as before
    from running
),

spans as (
    select
        hub_project_id,
        reached_order,
        on_date as valid_from,
        lead(on_date) over (partition by hub_project_id order by on_date) as valid_to
    from changes
    where before is null or reached_order > before
)

select
    sp.hub_project_id,
    s.district_code,
    s.industry_chain,
    (array['negotiating', 'signed', 'landed', 'under_construction', 'in_statistics',
           'in_production', 'terminated'])[sp.reached_order] as stage_key,
    sp.valid_from,
    sp.valid_to,
    core.date_key(sp.valid_from) as valid_from_date_key,
    core.date_key(sp.valid_to) as valid_to_date_key,
    sp.valid_to is null as is_current,
    coalesce(sp.valid_to, greatest(current_date + 1, sp.valid_from)) - sp.valid_from as days,
    s.signed_investment_wan
from spans as sp
join scoped as s on s.hub_project_id = sp.hub_project_id;

comment on view shared.fact_project_stage_spans is
    '项目阶段区间事实表（BI 星型模型，逐日阶段快照的紧凑形式）：每个项目每个经历过的阶段一行，区间 [valid_from, valid_to)，按里程碑最早证据日期推算（当日阶段＝当日及以前已达到的最远里程碑）；无日期的当前阶段自最晚有日期的里程碑起算；区划范围同 fact_project；展开到每天即 fact_project_stage_daily / Project stage intervals of the BI star (the compact form of the daily stage snapshot): one row per project per stage it was in, [valid_from, valid_to), derived from the earliest milestone evidence dates (the stage on a day is the furthest milestone reached by then); an undated current stage starts at the latest dated milestone; district scope as fact_project; expanded to days they are fact_project_stage_daily';
comment on column shared.fact_project_stage_spans.hub_project_id is
    '枢纽项目编号 → fact_project.hub_project_id / Hub project id → fact_project.hub_project_id';
comment on column shared.fact_project_stage_spans.district_code is
    '所在区（市）代码 → dim_district.district_code / District code → dim_district.district_code';
comment on column shared.fact_project_stage_spans.industry_chain is
    '所属产业链 → dim_industry_chain.industry_chain / Industry chain → dim_industry_chain.industry_chain';
comment on column shared.fact_project_stage_spans.stage_key is
    '该区间内的阶段 → dim_stage.stage_key / Stage during the interval → dim_stage.stage_key';
comment on column shared.fact_project_stage_spans.valid_from is
    '进入该阶段的日期（含）/ Day the project reached the stage (inclusive)';
comment on column shared.fact_project_stage_spans.valid_to is
    '进入下一阶段的日期（不含）；为空表示仍处于该阶段 / Day it reached a further stage (exclusive); null while still in the stage';
comment on column shared.fact_project_stage_spans.valid_from_date_key is
    'valid_from 的日期键 → dim_date.date_key / Date key of valid_from → dim_date.date_key';
comment on column shared.fact_project_stage_spans.valid_to_date_key is
    'valid_to 的日期键（不含）→ dim_date.date_key；仍处于该阶段时为空 / Date key of valid_to (exclusive) → dim_date.date_key; null while current';
comment on column shared.fact_project_stage_spans.is_current is
    '是否当前阶段 / Whether this is the current stage';
comment on column shared.fact_project_stage_spans.days is
    '区间天数（当前阶段计至今天）/ Days in the stage (the current stage counted through today)';
comment on column shared.fact_project_stage_spans.signed_investment_wan is
    '签约投资额（万元），便于按阶段汇总 / Signed investment in 万元, to total by stage';
