-- `hub review list`: the open match candidates as the caller may see them (the view is
-- district-scoped), best first, with the names a steward compares.
select
    q.candidate_id,
    q.source_system,
    q.source_key,
    q.hub_project_id,
    q.target_source_system,
    q.target_source_key,
    q.score,
    q.evidence -> 'agreed' as agreed,
    q.evidence -> 'disagreed' as disagreed,
    p.project_name as project_name
from shared.match_review_queue as q
left join shared.projects as p on p.hub_project_id = q.hub_project_id
order by q.score desc, q.candidate_id
limit %(limit)s
