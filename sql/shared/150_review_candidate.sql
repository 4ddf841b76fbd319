-- shared.review_candidate(candidate_id, decision, note): a data steward settles one open match
-- candidate — the only write a steward has. Runs with its owner's rights (security definer,
-- search_path pinned, pg_temp last); settles only a candidate the caller's login may see in
-- shared.match_review_queue (its district scope, core.reader_scope, which reads session_user
-- and so is the login's own here too): any other id gets the answer an unknown id gets, so
-- ids, which are sequential, reveal nothing. Records who decided (session_user) in
-- core.match_candidates and, keyed by the pair (source record, target record), in
-- core.steward_decisions: a must-link or a cannot-link that entity resolution obeys on every later run (full resyncs and rebuilds
-- included). Errors on an unknown or already settled candidate. The decision takes effect at
-- the next publish (`hub sync`, or the next DAG run).
create or replace function shared.review_candidate(candidate_id bigint, decision text, note text default null)
returns text
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    candidate core.match_candidates;
    scope core.reader_scope;
    visible boolean;
begin
    if decision is null or decision not in ('accept', 'reject') then
        raise exception 'decision must be accept or reject, got %', decision
            using errcode = 'invalid_parameter_value';
    end if;
    select * into candidate from core.match_candidates as m
    where m.candidate_id = review_candidate.candidate_id
    for update;
    visible := found;
    select * into scope from core.reader_scope;
    if visible and not scope.all_districts and exists (
        -- the proposed project, and the project the record sits in now, must both be in scope
        select 1
        from (
            select candidate.hub_project_id as hub_project_id
            union all
            select l.hub_project_id from core.project_links as l
            where l.source_system = candidate.source_system
              and l.source_key = candidate.source_key
        ) as side
        left join core.projects as p on p.hub_project_id = side.hub_project_id
        where p.district_code is null or not p.district_code = any (scope.districts)
    ) then
        visible := false;
    end if;
    if not visible then
        raise exception 'no match candidate %', review_candidate.candidate_id
            using errcode = 'no_data_found';
    end if;
    if candidate.status <> 'open' then
        raise exception 'candidate % is already %', review_candidate.candidate_id, candidate.status
            using errcode = 'invalid_parameter_value';
    end if;

    update core.match_candidates as m
    set status = case decision when 'accept' then 'accepted' else 'rejected' end,
        decided_by = session_user,
        decided_at = now(),
        note = review_candidate.note
    where m.candidate_id = review_candidate.candidate_id;

    insert into core.steward_decisions as d
        (source_system, source_key, hub_project_id, decision, decided_by, note,
         target_source_system, target_source_key)
    values (candidate.source_system, candidate.source_key, candidate.hub_project_id, decision,
            session_user, review_candidate.note, candidate.target_source_system,
            candidate.target_source_key)
    on conflict (source_system, source_key, hub_project_id) do update
        set decision = excluded.decision, decided_by = excluded.decided_by,
            decided_at = now(), note = excluded.note,
            target_source_system = excluded.target_source_system,
            target_source_key = excluded.target_source_key;

    return format('%s %s/%s → hub project %s', decision, candidate.source_system,
                  candidate.source_key, candidate.hub_project_id);
end
$$;

revoke all on function shared.review_candidate(bigint, text, text) from public;

comment on function shared.review_candidate(bigint, text, text) is
    '数据管理员裁定匹配候选（accept/reject，附说明）/ A data steward accepts or rejects an open match candidate, with a note';
