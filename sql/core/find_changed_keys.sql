-- The records possibly changed since the last publish, into changed_keys. %(horizon)s: how
-- many transactions ago began the oldest one the last publish's snapshot could not see
-- (null: no earlier publish to go by, so every record). A row whose xmin is no older was
-- written by a transaction that publish did not see. Deleted rows leave nothing to read: a
-- record gone is found by its key, a stats project that lost a period's row by its count.
insert into changed_keys (source_system, source_key)
select 'commerce', c.project_no
from core.commerce_projects as c
where %(horizon)s::bigint is null or age(c.xmin) <= %(horizon)s::bigint
union
select 'approval', a.event_id
from core.approval_events as a
where %(horizon)s::bigint is null or age(a.xmin) <= %(horizon)s::bigint
union
-- a new event that cancels or replaces another changes whether that one still counts
select 'approval', a.supersedes_event_id
from core.approval_events as a
where a.supersedes_event_id is not null
  and (%(horizon)s::bigint is null or age(a.xmin) <= %(horizon)s::bigint)
union
select 'land', l.parcel_id
from core.land_parcels as l
where %(horizon)s::bigint is null or age(l.xmin) <= %(horizon)s::bigint
union
select 'stats', s.stat_project_id
from core.stats_roster as s
where %(horizon)s::bigint is null or age(s.xmin) <= %(horizon)s::bigint
union
select p.source_system, p.source_key
from meta.published_records as p
where p.source_system = 'commerce'
  and not exists (select 1 from core.commerce_projects as c where c.project_no = p.source_key)
union
select p.source_system, p.source_key
from meta.published_records as p
where p.source_system = 'approval'
  and not exists (select 1 from core.approval_events as a where a.event_id = p.source_key)
union
select p.source_system, p.source_key
from meta.published_records as p
where p.source_system = 'land'
  and not exists (select 1 from core.land_parcels as l where l.parcel_id = p.source_key)
union
select 'stats', coalesce(n.stat_project_id, p.source_key)
from (
    select stat_project_id, count(*)::int as row_count
    from core.stats_roster
    group by stat_project_id
) as n
full join (
    select source_key, row_count from meta.published_records where source_system = 'stats'
) as p on p.source_key = n.stat_project_id
where n.row_count is distinct from p.row_count
on conflict (source_system, source_key) do nothing;
