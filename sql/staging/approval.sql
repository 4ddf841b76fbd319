-- staging.stg_approval__events: the approval bureau's approval events, typed.
-- GRAIN: one row per raw row of raw.approval__events (one event; events are immutable).
-- Nothing is filtered here: refused, revoked and superseded events are valid input.
-- Blank text becomes NULL; a value that does not parse becomes NULL beside its *_text
-- original, so the suite in expectations/suites/approval__events.json can name the reason.
-- Speed: the payload is taken apart once per row (jsonb_to_record), not once per field, and
-- the parsers are the inlinable / SET-free twins of sql/staging/000_parsing.sql.

-- Dropped and created again, so a column may be added anywhere (no other object reads it).
drop view if exists staging.stg_approval__events;

create or replace view staging.stg_approval__events as

with

source as (
    select raw_id, batch_id, received_at, source_key, payload
    from raw.approval__events
),

fields as (
    select
        source.raw_id, source.batch_id, source.received_at, source.source_key,
        source.payload -> '_landing_findings' as landing_findings,
        f.*
    from source
    cross join lateral jsonb_to_record(source.payload) as f (
        event_id text, project_code text, project_name text, applicant_name text,
        applicant_uscc text, district_code text, matter text, decision text,
        decided_at text, document_no text, total_investment_wan text,
        supersedes_event_id text
    )
),

typed as (
    select
        ---------- landing
        raw_id,
        batch_id,
        received_at,
        source_key,

        ---------- ids and names
        staging.blank_to_null(event_id) as event_id,
        staging.blank_to_null(project_code) as project_code,
        staging.blank_to_null(project_name) as project_name,
        staging.blank_to_null(applicant_name) as applicant_name,
        staging.blank_to_null(applicant_uscc) as applicant_uscc,
        staging.blank_to_null(district_code) as district_code,

        ---------- the decision
        staging.blank_to_null(matter) as matter,
        staging.blank_to_null(decision) as decision,
        staging.blank_to_null(decided_at) as decided_at_text,
        staging.parse_timestamptz(decided_at, '+08:00') as decided_at,
        staging.blank_to_null(document_no) as document_no,

        ---------- money
        staging.blank_to_null(total_investment_wan) as total_investment_text,
        staging.parse_numeric(total_investment_wan) as total_investment_wan,

        ---------- corrections
        staging.blank_to_null(supersedes_event_id) as supersedes_event_id,


        ---------- what landing found (hub/warehouse/storable.py): the paths of the values
        -- that were escaped or are unusable, as a JSON array; NULL when none
        landing_findings ->> 'invalid_text' as findings_invalid_text,
        landing_findings ->> 'invalid_number' as findings_invalid_number,
        landing_findings ->> 'invalid_type' as findings_invalid_type,
        landing_findings ->> 'value_too_long' as findings_value_too_long,
        landing_findings ->> 'unreadable_row' as findings_unreadable_row
    from fields
)

select * from typed;

comment on view staging.stg_approval__events is
    '行政审批局审批事项（类型化） / Approval events, typed. Grain: one row per raw.approval__events row';
