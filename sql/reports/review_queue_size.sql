-- How big the steward's queue is: open candidates, and the hub projects awaiting review
-- (the project a candidate proposes, and the project its record is linked to now, if any).
with involved as (
    select m.hub_project_id from core.match_candidates as m where m.status = 'open'
    union
    select l.hub_project_id
    from core.match_candidates as m
    join core.project_links as l using (source_system, source_key)
    where m.status = 'open'
)

select
    (select count(*) from core.match_candidates where status = 'open') as candidates,
    (select count(*) from involved) as projects_in_review,
    (select count(*) from core.projects) as projects
