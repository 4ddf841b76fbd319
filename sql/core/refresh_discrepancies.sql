-- Rebuild core.discrepancies of the projects in publish_scope (hub/resolve/scope.py): one row
-- per open inconsistency between departments.
-- Grain: one row per (hub project, kind). Needs temp table project_lifecycle. Params: none.
-- Kinds: planned_investment_mismatch (> 20% apart), commerce_stage_behind,
-- terminated_with_later_evidence, district_mismatch. detected_at is kept while the
-- inconsistency stays open; a resolved one disappears.
create temporary table discrepancy_rows on commit drop as

with

links as (
    select l.* from core.project_links as l
    join publish_scope as ps on ps.hub_project_id = l.hub_project_id
    join core.projects as p on p.hub_project_id = l.hub_project_id
),

planned as (
    select l.hub_project_id, 'commerce' as department, c.total_investment_wan as amount
    from core.commerce_projects as c
    join links as l on l.source_system = 'commerce' and l.source_key = c.project_no
    where not c.is_deleted and c.total_investment_wan > 0
    union all
    select distinct on (l.hub_project_id) l.hub_project_id, 'approval', e.total_investment_wan
    from core.effective_approval_events as e
    join links as l on l.source_system = 'approval' and l.source_key = e.event_id
    where e.total_investment_wan > 0 and e.matter in ('项目备案', '项目核准')
    union all
    -- the latest period's row (core.stats_latest), looked up per link: the view would sort
    -- every roster row however few projects are published
    select l.hub_project_id, 'stats', s.planned_investment_wan
    from links as l
    cross join lateral (
        select r.planned_investment_wan
        from core.stats_roster as r
        where r.stat_project_id = l.source_key
        order by r.period desc
        limit 1
    ) as s
    where l.source_system = 'stats' and s.planned_investment_wan > 0
),

planned_mismatch as (
    select
        hub_project_id,
        'planned_investment_mismatch' as kind,
        string_agg(department || '=' || amount::text || '万元', ', ' order by department) as detail,
        array_agg(distinct department order by department) as departments
    from planned
    group by hub_project_id
    having max(amount) > 1.2 * min(amount)
),

commerce_behind as (
    select
        p.hub_project_id,
        'commerce_stage_behind' as kind,
        'commerce=' || c.stage || ', hub=' || p.stage_zh as detail,
        array(select distinct m.source_system from core.project_milestones as m
              where m.hub_project_id = p.hub_project_id order by 1) as departments
    from core.projects as p
    join links as l on l.hub_project_id = p.hub_project_id and l.source_system = 'commerce'
    join core.commerce_projects as c on c.project_no = l.source_key and not c.is_deleted
    where c.stage in ('在谈', '已签约', '已落地', '已开工')
      and p.stage not in ('terminated')
      and array_position(
              array['在谈', '已签约', '已落地', '已开工'], c.stage
          ) < array_position(
              array['negotiating', 'signed', 'landed', 'under_construction'],
              case when p.stage in ('in_statistics', 'in_production') then 'under_construction'
                   else p.stage end
          )
),

terminated_overruled as (
    select
        lc.hub_project_id,
        'terminated_with_later_evidence' as kind,
        'commerce=已终止, hub=' || lc.stage_zh as detail,
        array(select distinct m.source_system from core.project_milestones as m
              where m.hub_project_id = lc.hub_project_id order by 1) as departments
    from project_lifecycle as lc
    where lc.terminated_overruled
),

districts as (
    select l.hub_project_id, l.source_system as department, d.district_code
    from links as l
    join lateral (
        select c.district_code from core.commerce_projects as c
        where l.source_system = 'commerce' and c.project_no = l.source_key and not c.is_deleted
        union all
        select e.district_code from core.approval_events as e
        where l.source_system = 'approval' and e.event_id = l.source_key
        union all
        select p.district_code from core.land_parcels as p
        where l.source_system = 'land' and p.parcel_id = l.source_key
        union all
        (
            select r.district_code from core.stats_roster as r
            where l.source_system = 'stats' and r.stat_project_id = l.source_key
            order by r.period desc
            limit 1
        )
    ) as d on d.district_code is not null
),

district_mismatch as (
    select
        hub_project_id,
        'district_mismatch' as kind,
        string_agg(distinct department || '=' || district_code, ', ') as detail,
        array_agg(distinct department order by department) as departments
    from districts
    group by hub_project_id
    having count(distinct district_code) > 1
)

select distinct on (hub_project_id, kind) *
from (
    select * from planned_mismatch
    union all select * from commerce_behind
    union all select * from terminated_overruled
    union all select * from district_mismatch
) as found
order by hub_project_id, kind, detail;

delete from core.discrepancies as d
using publish_scope as ps
where ps.hub_project_id = d.hub_project_id
  and not exists (
    select 1 from discrepancy_rows as r where r.hub_project_id = d.hub_project_id and r.kind = d.kind
);

insert into core.discrepancies as d (hub_project_id, kind, detail, departments)
select hub_project_id, kind, detail, departments from discrepancy_rows
on conflict (hub_project_id, kind) do update
    set detail = excluded.detail, departments = excluded.departments
    where (d.detail, d.departments) is distinct from (excluded.detail, excluded.departments);
