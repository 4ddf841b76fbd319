-- Make the links of the records in scope (scope_records) equal to resolved_links, touching
-- only what changed. Grain: one link per current source record. linked_at moves only when
-- the link changes. Links outside the scope are not resolution's to change this time.
delete from core.project_links as l
using scope_records as s
where s.source_system = l.source_system and s.source_key = l.source_key
  and not exists (
    select 1 from resolved_links as r
    where r.source_system = l.source_system and r.source_key = l.source_key
);

insert into core.project_links as l (source_system, source_key, hub_project_id, match_method, match_score)
select source_system, source_key, hub_project_id, match_method, match_score
from resolved_links
on conflict (source_system, source_key) do update set
    hub_project_id = excluded.hub_project_id,
    match_method = excluded.match_method,
    match_score = excluded.match_score,
    linked_at = now()
where (l.hub_project_id, l.match_method, l.match_score)
    is distinct from (excluded.hub_project_id, excluded.match_method, excluded.match_score);
