-- Reserve n new hub project ids (never reused: a sequence). Params: n.
insert into core.hub_projects (hub_project_id)
select nextval('core.hub_project_id_seq') from generate_series(1, %(n)s)
returning hub_project_id
