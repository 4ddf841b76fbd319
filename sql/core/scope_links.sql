-- The current links of the records in scope (resolution keeps their hub project ids).
select l.source_system, l.source_key, l.hub_project_id
from core.project_links as l
join scope_records as s on s.source_system = l.source_system and s.source_key = l.source_key
