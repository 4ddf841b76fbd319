-- Make the open review candidates of the records in scope (scope_records: a candidate's
-- two records are always in scope together) equal to this run's, keeping every decided one.
-- An open candidate this run no longer raises is 'superseded' (the records changed, or it
-- was linked or separated with confidence); one raised again is reopened. A decided
-- candidate (accepted, rejected) is never touched: the decision stands.
update core.match_candidates as m
set status = 'superseded'
from scope_records as s
where m.status = 'open'
  and s.source_system = m.source_system and s.source_key = m.source_key
  and not exists (
      select 1 from resolved_candidates as r
      where (r.source_system, r.source_key, r.hub_project_id)
          = (m.source_system, m.source_key, m.hub_project_id)
  );

insert into core.match_candidates as m
    (source_system, source_key, hub_project_id, score, evidence,
     target_source_system, target_source_key)
select source_system, source_key, hub_project_id, score, evidence,
       target_source_system, target_source_key
from resolved_candidates
on conflict (source_system, source_key, hub_project_id) do update set
    status = 'open',
    score = excluded.score,
    evidence = excluded.evidence,
    target_source_system = excluded.target_source_system,
    target_source_key = excluded.target_source_key
where m.status in ('open', 'superseded')
  and (m.status, m.score, m.evidence, m.target_source_system, m.target_source_key)
      is distinct from
      ('open', excluded.score, excluded.evidence, excluded.target_source_system,
       excluded.target_source_key);
