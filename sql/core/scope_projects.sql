-- The hub projects to recompute: those linked to a record in scope or changed. Run before
-- resolution (the projects records leave) and after it (the projects they join).
insert into publish_scope (hub_project_id)
select l.hub_project_id
from core.project_links as l
join scope_records as s on s.source_system = l.source_system and s.source_key = l.source_key
union
select l.hub_project_id
from core.project_links as l
join changed_records as c on c.source_system = l.source_system and c.source_key = l.source_key
on conflict (hub_project_id) do nothing;
