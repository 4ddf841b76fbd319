-- Evidence rows hub.lifecycle orders into a stage. Grain: one row per milestone evidence.
select hub_project_id, milestone, occurred_on, source_system
from core.project_milestones
order by hub_project_id
