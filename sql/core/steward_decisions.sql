-- Every steward decision as a record pair, for resolution's must- and cannot-links.
-- A decision without a target record (made before migration 0008) is read against every
-- record now linked to its project, following the redirects of retired ids. Written to start
-- from the decisions (few), so its cost does not grow with the links (many).
with recursive legacy (source_system, source_key, decision, hub_project_id, depth) as (
    select d.source_system, d.source_key, d.decision, d.hub_project_id, 0
    from core.steward_decisions as d
    where d.target_source_key is null
    union all
    select l.source_system, l.source_key, l.decision, h.retired_into, l.depth + 1
    from legacy as l
    join core.hub_projects as h on h.hub_project_id = l.hub_project_id
    where h.retired_into is not null and l.depth < 100
)

select d.source_system, d.source_key, d.target_source_system, d.target_source_key,
       d.decision = 'accept' as accept
from core.steward_decisions as d
where d.target_source_key is not null

union all

select l.source_system, l.source_key, pl.source_system, pl.source_key, l.decision = 'accept'
from legacy as l
join core.hub_projects as h on h.hub_project_id = l.hub_project_id and h.retired_into is null
join core.project_links as pl on pl.hub_project_id = l.hub_project_id
where (pl.source_system, pl.source_key) is distinct from (l.source_system, l.source_key)
