-- A full publish: every current, last-published and linked record is in scope.
insert into scope_records (source_system, source_key, round)
select source_system, source_key, 0 from publish_inputs
union
select source_system, source_key, 0 from meta.published_records
union
select source_system, source_key, 0 from core.project_links;
