-- Evidence rows hub.lifecycle orders into a stage, for the projects in publish_scope.
-- Grain: one row per milestone evidence.
select m.hub_project_id, m.milestone, m.occurred_on, m.source_system
from core.project_milestones as m
join publish_scope as ps on ps.hub_project_id = m.hub_project_id
order by m.hub_project_id
