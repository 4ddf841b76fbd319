-- staging.stg_stats__roster: the statistics bureau's monthly project roster, typed.
-- GRAIN: one row per raw row of raw.stats__roster (one project in one period's revision;
-- period and revision come from the landing context, not the row).
-- Blank text becomes NULL; a value that does not parse becomes NULL beside its *_text
-- original, so the suite in expectations/suites/stats__roster.json can name the reason.
-- Speed: the payload is taken apart once per row (jsonb_to_record), not once per field, and
-- the parsers are the inlinable / SET-free twins of sql/staging/000_parsing.sql.

-- Dropped and created again, so a column may be added anywhere (no other object reads it).
drop view if exists staging.stg_stats__roster;

create or replace view staging.stg_stats__roster as

with

source as (
    select raw_id, batch_id, received_at, source_key, payload, context
    from raw.stats__roster
),

fields as (
    select
        source.raw_id, source.batch_id, source.received_at, source.source_key,
        source.payload -> '_landing_findings' as landing_findings,
        source.context ->> 'period' as context_period,
        source.context ->> 'revision' as context_revision,
        f.*
    from source
    cross join lateral jsonb_to_record(source.payload) as f (
        stat_project_id text, project_code text, project_name text, legal_unit_name text,
        legal_unit_uscc text, district_code text, industry_code text,
        planned_investment_wan text, completed_investment_ytd_wan text, start_month text,
        included_month text, status text, completed_on text
    )
),

typed as (
    select
        ---------- landing
        raw_id,
        batch_id,
        received_at,
        source_key,
        context_period as period,
        case
            when context_revision ~ '^[0-9]{1,9}$' then context_revision::int
        end as revision,

        ---------- ids and names
        staging.blank_to_null(stat_project_id) as stat_project_id,
        staging.blank_to_null(project_code) as project_code,
        staging.blank_to_null(project_name) as project_name,
        staging.blank_to_null(legal_unit_name) as legal_unit_name,
        staging.blank_to_null(legal_unit_uscc) as legal_unit_uscc,
        staging.blank_to_null(district_code) as district_code,
        staging.blank_to_null(industry_code) as industry_code,

        ---------- money
        staging.blank_to_null(planned_investment_wan) as planned_investment_text,
        staging.parse_numeric(planned_investment_wan) as planned_investment_wan,
        staging.blank_to_null(completed_investment_ytd_wan) as completed_ytd_text,
        staging.parse_numeric(completed_investment_ytd_wan) as completed_investment_ytd_wan,

        ---------- months and dates
        staging.blank_to_null(start_month) as start_month_text,
        staging.parse_month(start_month) as start_month,
        staging.blank_to_null(included_month) as included_month_text,
        staging.parse_month(included_month) as included_month,
        staging.blank_to_null(status) as status,
        staging.blank_to_null(completed_on) as completed_on_text,
        staging.parse_date(completed_on) as completed_on,


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

comment on view staging.stg_stats__roster is
    '统计局固定资产投资项目库（类型化） / Stats roster rows, typed. Grain: one row per raw.stats__roster row';
