-- staging.stg_commerce__projects: the commerce bureau's project records, typed.
-- GRAIN: one row per raw row of raw.commerce__projects (one version of one project_no).
-- Nothing is filtered or deduplicated here; blank text becomes NULL, and a value that does
-- not parse becomes NULL beside its *_text original, so the suite in
-- expectations/suites/commerce__projects.json can name the reason.
-- Money: total_investment_wan is 万元 whatever unit the record used (亿元 × 10000).
-- Speed: the payload is taken apart once per row (jsonb_to_record), not once per field, and
-- the parsers are the inlinable / SET-free twins of sql/staging/000_parsing.sql.

-- Dropped and created again, so a column may be added anywhere (no other object reads it).
drop view if exists staging.stg_commerce__projects;

create or replace view staging.stg_commerce__projects as

with

source as (
    select raw_id, batch_id, received_at, source_key, payload
    from raw.commerce__projects
),

fields as (
    select
        source.raw_id, source.batch_id, source.received_at, source.source_key,
        source.payload -> '_landing_findings' as landing_findings,
        f.*
    from source
    cross join lateral jsonb_to_record(source.payload) as f (
        project_no text, project_name text, investor_name text, investor_uscc text,
        project_company_name text, project_company_uscc text, origin_country text,
        origin_province text, origin_city text, capital_type text, industry_category text,
        industry_chain text, is_manufacturing text, total_investment text,
        investment_unit text, foreign_investment_usd text, district_code text, stage text,
        negotiation_started_on text, signed_on text, project_code text, contact_person text,
        contact_phone text, is_deleted text, updated_at text
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
        staging.blank_to_null(project_no) as project_no,
        staging.blank_to_null(project_name) as project_name,
        staging.blank_to_null(investor_name) as investor_name,
        staging.blank_to_null(investor_uscc) as investor_uscc,
        staging.blank_to_null(project_company_name) as project_company_name,
        staging.blank_to_null(project_company_uscc) as project_company_uscc,

        ---------- origin and classification
        staging.blank_to_null(origin_country) as origin_country,
        staging.blank_to_null(origin_province) as origin_province,
        staging.blank_to_null(origin_city) as origin_city,
        staging.blank_to_null(capital_type) as capital_type,
        staging.blank_to_null(industry_category) as industry_category,
        staging.blank_to_null(industry_chain) as industry_chain,
        case lower(staging.blank_to_null(is_manufacturing))
            when 'true' then true
            when 'false' then false
        end as is_manufacturing,

        ---------- money
        staging.blank_to_null(total_investment) as total_investment_text,
        staging.blank_to_null(investment_unit) as investment_unit,
        staging.parse_numeric(total_investment)
            * case staging.blank_to_null(investment_unit)
                when '万元' then 1
                when '亿元' then 10000
            end as total_investment_wan,
        staging.parse_numeric(foreign_investment_usd) as foreign_investment_usd_wan,

        ---------- place and stage
        staging.blank_to_null(district_code) as district_code,
        staging.blank_to_null(stage) as stage,

        ---------- dates
        staging.blank_to_null(negotiation_started_on) as negotiation_started_on_text,
        staging.parse_date(negotiation_started_on) as negotiation_started_on,
        staging.blank_to_null(signed_on) as signed_on_text,
        staging.parse_date(signed_on) as signed_on,

        ---------- other
        staging.blank_to_null(project_code) as project_code,
        staging.blank_to_null(contact_person) as contact_person,
        staging.blank_to_null(contact_phone) as contact_phone,
        -- soft delete (a record without the flag is rejected: missing_required:is_deleted)
        coalesce(lower(staging.blank_to_null(is_deleted)) = 'true', false) as is_deleted,

        ---------- timestamps
        staging.blank_to_null(updated_at) as updated_at_text,
        staging.parse_timestamptz(updated_at, '+08:00') as source_updated_at,

        ---------- appended after the published column list (only the suite reads these)
        staging.blank_to_null(foreign_investment_usd) as foreign_investment_usd_text,
        staging.blank_to_null(is_deleted) as is_deleted_text,
        staging.parse_numeric(total_investment) as total_investment_number,

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

comment on view staging.stg_commerce__projects is
    '商务局招商项目（类型化） / Commerce projects, typed. Grain: one row per raw.commerce__projects row';
