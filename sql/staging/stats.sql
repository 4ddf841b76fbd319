-- staging.stg_stats__roster: the statistics bureau's monthly project roster, typed.
-- GRAIN: one row per raw row of raw.stats__roster (one project in one period's revision;
-- period and revision come from the landing context, not the row).
-- Blank text becomes NULL; a value that does not parse becomes NULL beside its *_text
-- original, so the suite in expectations/suites/stats__roster.json can name the reason.

create or replace view staging.stg_stats__roster as

with

source as (
    select raw_id, batch_id, received_at, source_key, payload, context
    from raw.stats__roster
),

typed as (
    select
        ---------- landing
        raw_id,
        batch_id,
        received_at,
        source_key,
        context ->> 'period' as period,
        case
            when context ->> 'revision' ~ '^[0-9]{1,9}$' then (context ->> 'revision')::int
        end as revision,

        ---------- ids and names
        staging.nullif_blank(payload ->> 'stat_project_id') as stat_project_id,
        staging.nullif_blank(payload ->> 'project_code') as project_code,
        staging.nullif_blank(payload ->> 'project_name') as project_name,
        staging.nullif_blank(payload ->> 'legal_unit_name') as legal_unit_name,
        staging.nullif_blank(payload ->> 'legal_unit_uscc') as legal_unit_uscc,
        staging.nullif_blank(payload ->> 'district_code') as district_code,
        staging.nullif_blank(payload ->> 'industry_code') as industry_code,

        ---------- money
        staging.nullif_blank(payload ->> 'planned_investment_wan') as planned_investment_text,
        staging.try_numeric(payload ->> 'planned_investment_wan') as planned_investment_wan,
        staging.nullif_blank(payload ->> 'completed_investment_ytd_wan') as completed_ytd_text,
        staging.try_numeric(payload ->> 'completed_investment_ytd_wan') as completed_investment_ytd_wan,

        ---------- months and dates
        staging.nullif_blank(payload ->> 'start_month') as start_month_text,
        staging.try_month(payload ->> 'start_month') as start_month,
        staging.nullif_blank(payload ->> 'included_month') as included_month_text,
        staging.try_month(payload ->> 'included_month') as included_month,
        staging.nullif_blank(payload ->> 'status') as status,
        staging.nullif_blank(payload ->> 'completed_on') as completed_on_text,
        staging.try_date(payload ->> 'completed_on') as completed_on
    from source
)

select * from typed;

comment on view staging.stg_stats__roster is
    '统计局固定资产投资项目库（类型化） / Stats roster rows, typed. Grain: one row per raw.stats__roster row';
