-- Rebuild core.project_milestones of the projects in publish_scope (hub/resolve/scope.py)
-- from the current source records and their links.
-- Grain: one row per (hub project, milestone, source record). Params: none.
-- The evidence rules are the warehouse contract's lifecycle table; records that are not
-- evidence (soft-deleted, withdrawn, refused/revoked/superseded) contribute nothing.
-- Only rows that changed are touched, so a rerun with no change writes nothing.
create temporary table milestone_evidence on commit drop as

with

commerce as (
    select l.hub_project_id, c.*
    from core.commerce_projects as c
    join core.project_links as l on l.source_system = 'commerce' and l.source_key = c.project_no
    join publish_scope as ps on ps.hub_project_id = l.hub_project_id
    where not c.is_deleted
),

evidence as (
    select hub_project_id, 'negotiating' as milestone, negotiation_started_on as occurred_on,
           'commerce' as source_system, project_no as source_key
    from commerce where stage = '在谈'

    union all
    select hub_project_id, 'signed', signed_on, 'commerce', project_no
    from commerce where signed_on is not null or stage in ('已签约', '已落地', '已开工')

    union all
    select hub_project_id, 'landed', null, 'commerce', project_no
    from commerce where stage in ('已落地', '已开工')

    union all
    select hub_project_id, 'under_construction', null, 'commerce', project_no
    from commerce where stage = '已开工'

    union all
    select hub_project_id, 'terminated', (source_updated_at at time zone 'Asia/Shanghai')::date,
           'commerce', project_no
    from commerce where stage = '已终止'

    union all
    select l.hub_project_id,
           case when e.matter = '施工许可' then 'under_construction' else 'landed' end,
           (e.decided_at at time zone 'Asia/Shanghai')::date, 'approval', e.event_id
    from core.effective_approval_events as e
    join core.project_links as l on l.source_system = 'approval' and l.source_key = e.event_id
    join publish_scope as ps on ps.hub_project_id = l.hub_project_id
    where e.matter in ('项目备案', '项目核准', '施工许可')

    union all
    select l.hub_project_id, 'landed', p.contract_on, 'land', p.parcel_id
    from core.land_parcels as p
    join core.project_links as l on l.source_system = 'land' and l.source_key = p.parcel_id
    join publish_scope as ps on ps.hub_project_id = l.hub_project_id
    where p.status = '有效'

    union all
    select l.hub_project_id, 'under_construction', min(s.start_month), 'stats', s.stat_project_id
    from core.stats_roster as s
    join core.project_links as l on l.source_system = 'stats' and l.source_key = s.stat_project_id
    join publish_scope as ps on ps.hub_project_id = l.hub_project_id
    where s.start_month is not null
    group by l.hub_project_id, s.stat_project_id

    union all
    select l.hub_project_id, 'in_statistics', min(s.included_month), 'stats', s.stat_project_id
    from core.stats_roster as s
    join core.project_links as l on l.source_system = 'stats' and l.source_key = s.stat_project_id
    join publish_scope as ps on ps.hub_project_id = l.hub_project_id
    group by l.hub_project_id, s.stat_project_id

    union all
    select l.hub_project_id, 'in_production', min(s.completed_on), 'stats', s.stat_project_id
    from core.stats_roster as s
    join core.project_links as l on l.source_system = 'stats' and l.source_key = s.stat_project_id
    join publish_scope as ps on ps.hub_project_id = l.hub_project_id
    where s.status = '全部投产'
    group by l.hub_project_id, s.stat_project_id
)

-- One row per key: a record may show a milestone twice (e.g. two parcels' rows are
-- separate records, but one commerce record is one piece of evidence).
select hub_project_id, milestone, min(occurred_on) as occurred_on, source_system, source_key
from evidence
group by hub_project_id, milestone, source_system, source_key;

delete from core.project_milestones as m
using publish_scope as ps
where ps.hub_project_id = m.hub_project_id
  and not exists (
    select 1 from milestone_evidence as e
    where e.hub_project_id = m.hub_project_id and e.milestone = m.milestone
      and e.source_system = m.source_system and e.source_key = m.source_key
);

insert into core.project_milestones as m (hub_project_id, milestone, occurred_on, source_system, source_key)
select hub_project_id, milestone, occurred_on, source_system, source_key
from milestone_evidence
on conflict (hub_project_id, milestone, source_system, source_key) do update
    set occurred_on = excluded.occurred_on
    where m.occurred_on is distinct from excluded.occurred_on;
