-- A full publish: every current, last-published and linked record is in scope.
insert into scope_records (source_system, source_key, round)
select 'commerce', project_no, 0 from core.commerce_projects
union
select 'approval', event_id, 0 from core.approval_events
union
select 'land', parcel_id, 0 from core.land_parcels
union
select 'stats', stat_project_id, 0 from core.stats_roster
union
select source_system, source_key, 0 from meta.published_records
union
select source_system, source_key, 0 from core.project_links
on conflict (source_system, source_key) do nothing;
