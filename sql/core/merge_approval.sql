-- Merge one audited approval batch into core.approval_events.
-- Reads {batch}: the batch, typed once (meta.typed__<batch>, hub/warehouse/typed_batches.py).
-- Grain: one row per event_id (events are immutable).
-- A rejected event never enters core. Idempotent: existing events are left as they are
-- unless a newer raw version arrives.
with

batch_latest as (
    select distinct on (s.source_key)
        s.source_key, s.event_id, s.project_code, s.project_name, s.applicant_name,
        s.applicant_uscc, s.district_code, s.matter, s.decision, s.decided_at, s.document_no,
        s.total_investment_wan, s.supersedes_event_id, s.raw_id, s.batch_id,
        exists (
            select 1 from meta.rejects as r
            where r.source_system = 'approval' and r.entity = 'events' and r.raw_id = s.raw_id
        ) as is_rejected
    from {batch} as s
    where s.source_key is not null
    order by s.source_key, s.raw_id desc
),

removed as (
    delete from core.approval_events as t
    using batch_latest as b
    where b.is_rejected and t.event_id = b.source_key and t.raw_id < b.raw_id
    returning t.event_id
)

insert into core.approval_events as t (
    event_id, project_code, project_name, applicant_name, applicant_uscc, district_code,
    matter, decision, decided_at, document_no, total_investment_wan, supersedes_event_id,
    raw_id, batch_id
)
select
    event_id, project_code, project_name, applicant_name, applicant_uscc, district_code,
    matter, decision, decided_at, document_no, total_investment_wan, supersedes_event_id,
    raw_id, batch_id
from batch_latest
where not is_rejected
on conflict (event_id) do update set
    project_code = excluded.project_code,
    project_name = excluded.project_name,
    applicant_name = excluded.applicant_name,
    applicant_uscc = excluded.applicant_uscc,
    district_code = excluded.district_code,
    matter = excluded.matter,
    decision = excluded.decision,
    decided_at = excluded.decided_at,
    document_no = excluded.document_no,
    total_investment_wan = excluded.total_investment_wan,
    supersedes_event_id = excluded.supersedes_event_id,
    raw_id = excluded.raw_id,
    batch_id = excluded.batch_id
where t.raw_id < excluded.raw_id
