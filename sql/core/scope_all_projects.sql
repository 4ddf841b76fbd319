-- A full publish recomputes every project that is linked or was published.
insert into publish_scope (hub_project_id)
select hub_project_id from core.project_links
union
select hub_project_id from core.projects
union
select hub_project_id from core.project_milestones
union
select hub_project_id from core.discrepancies
union
select hub_project_id from core.projects_history where valid_to is null
on conflict (hub_project_id) do nothing;
