-- Every steward decision as a record pair, for resolution's must- and cannot-links.
-- A decision without a target record (made before migration 0008) is read against every
-- record currently linked to its project (following redirects of retired ids).
with recursive live (hub_project_id, live_id) as (
    select hub_project_id, hub_project_id from core.hub_projects where retired_into is null
    union all
    select h.hub_project_id, l.live_id
    from core.hub_projects as h
    join live as l on h.retired_into = l.hub_project_id
)

select d.source_system, d.source_key, d.target_source_system, d.target_source_key,
       d.decision = 'accept' as accept
from core.steward_decisions as d
where d.target_source_key is not null

union all

select d.source_system, d.source_key, pl.source_system, pl.source_key, d.decision = 'accept'
from core.steward_decisions as d
join live on live.hub_project_id = d.hub_project_id
join core.project_links as pl on pl.hub_project_id = live.live_id
where d.target_source_key is null
  and (pl.source_system, pl.source_key) is distinct from (d.source_system, d.source_key)
