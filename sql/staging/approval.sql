-- staging.stg_approval__events: the approval bureau's approval events, typed.
-- GRAIN: one row per raw row of raw.approval__events (one event; events are immutable).
-- Nothing is filtered here: refused, revoked and superseded events are valid input.
-- Blank text becomes NULL; a value that does not parse becomes NULL beside its *_text
-- original, so the suite in expectations/suites/approval__events.json can name the reason.

create or replace view staging.stg_approval__events as

with

source as (
    select raw_id, batch_id, received_at, source_key, payload
    from raw.approval__events
),

typed as (
    select
        ---------- landing
        raw_id,
        batch_id,
        received_at,
        source_key,

        ---------- ids and names
        staging.nullif_blank(payload ->> 'event_id') as event_id,
        staging.nullif_blank(payload ->> 'project_code') as project_code,
        staging.nullif_blank(payload ->> 'project_name') as project_name,
        staging.nullif_blank(payload ->> 'applicant_name') as applicant_name,
        staging.nullif_blank(payload ->> 'applicant_uscc') as applicant_uscc,
        staging.nullif_blank(payload ->> 'district_code') as district_code,

        ---------- the decision
        staging.nullif_blank(payload ->> 'matter') as matter,
        staging.nullif_blank(payload ->> 'decision') as decision,
        staging.nullif_blank(payload ->> 'decided_at') as decided_at_text,
        staging.try_timestamptz(payload ->> 'decided_at', '+08:00') as decided_at,
        staging.nullif_blank(payload ->> 'document_no') as document_no,

        ---------- money
        staging.nullif_blank(payload ->> 'total_investment_wan') as total_investment_text,
        staging.try_numeric(payload ->> 'total_investment_wan') as total_investment_wan,

        ---------- corrections
        staging.nullif_blank(payload ->> 'supersedes_event_id') as supersedes_event_id
    from source
)

select * from typed;

comment on view staging.stg_approval__events is
    '行政审批局审批事项（类型化） / Approval events, typed. Grain: one row per raw.approval__events row';
