-- shared.review_candidate(candidate_id, decision, note): a data steward settles one open match
-- candidate — the only write a steward has. Runs with its owner's rights (security definer,
-- search_path pinned); records who decided (session_user) in core.match_candidates and, keyed
-- by the pair (source record, target record), in core.steward_decisions: a must-link or a
-- cannot-link that entity resolution obeys on every later run (full resyncs and rebuilds
-- included). Errors on an unknown or already settled candidate. The decision takes effect at
-- the next publish (`hub sync`, or the next DAG run).
create or replace function shared.review_candidate(candidate_id bigint, decision text, note text default null)
returns text
language plpgsql
security definer
set search_path = pg_catalog
as $$
declare
    candidate core.match_candidates;
begin
    if decision is null or decision not in ('accept', 'reject') then
        raise exception 'decision must be accept or reject, got %', decision
            using errcode = 'invalid_parameter_value';
    end if;
    select * into candidate from core.match_candidates as m
    where m.candidate_id = review_candidate.candidate_id
    for update;
    if not found then
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
