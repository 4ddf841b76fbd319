-- Two hub projects turned out to be one: the retired id redirects to the survivor.
-- Params: retired, survivor. Idempotent.
update core.hub_projects
set retired_at = now(), retired_into = %(survivor)s
where hub_project_id = %(retired)s and retired_into is distinct from %(survivor)s
