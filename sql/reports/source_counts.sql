-- Current records and open rejects per department, for summaries. Grain: one row per source.
with sources (source_system) as (values ('commerce'), ('approval'), ('land'), ('stats')),
records as (
    select 'commerce' as source_system, count(*) as n from core.commerce_projects
    union all select 'approval', count(*) from core.approval_events
    union all select 'land', count(*) from core.land_parcels
    union all select 'stats', count(distinct stat_project_id) from core.stats_roster
),
rejected as (
    select source_system, count(*) as n from meta.rejects where resolved_at is null group by source_system
)
select s.source_system, coalesce(r.n, 0) as records, coalesce(j.n, 0) as rejected
from sources as s
left join records as r using (source_system)
left join rejected as j using (source_system)
order by array_position(array['commerce', 'approval', 'land', 'stats'], s.source_system)
