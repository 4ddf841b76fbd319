-- Each published project's stage and review flag, with the source records linked to it
-- (the demo compares these with the scenario's truth, project by project).
select p.hub_project_id, p.stage, p.needs_review, l.source_system, l.source_key
from core.projects as p
join core.project_links as l using (hub_project_id)
