-- staging.stg_commerce__projects: the commerce bureau's project records, typed.
-- GRAIN: one row per raw row of raw.commerce__projects (one version of one project_no).
-- Nothing is filtered or deduplicated here; blank text becomes NULL, and a value that does
-- not parse becomes NULL beside its *_text original, so the suite in
-- expectations/suites/commerce__projects.json can name the reason.
-- Money: total_investment_wan is 万元 whatever unit the record used (亿元 × 10000).

create or replace view staging.stg_commerce__projects as

with

source as (
    select raw_id, batch_id, received_at, source_key, payload
    from raw.commerce__projects
),

typed as (
    select
        ---------- landing
        raw_id,
        batch_id,
        received_at,
        source_key,

        ---------- ids and names
        staging.nullif_blank(payload ->> 'project_no') as project_no,
        staging.nullif_blank(payload ->> 'project_name') as project_name,
        staging.nullif_blank(payload ->> 'investor_name') as investor_name,
        staging.nullif_blank(payload ->> 'investor_uscc') as investor_uscc,
        staging.nullif_blank(payload ->> 'project_company_name') as project_company_name,
        staging.nullif_blank(payload ->> 'project_company_uscc') as project_company_uscc,

        ---------- origin and classification
        staging.nullif_blank(payload ->> 'origin_country') as origin_country,
        staging.nullif_blank(payload ->> 'origin_province') as origin_province,
        staging.nullif_blank(payload ->> 'origin_city') as origin_city,
        staging.nullif_blank(payload ->> 'capital_type') as capital_type,
        staging.nullif_blank(payload ->> 'industry_category') as industry_category,
        staging.nullif_blank(payload ->> 'industry_chain') as industry_chain,
        case lower(staging.nullif_blank(payload ->> 'is_manufacturing'))
            when 'true' then true
            when 'false' then false
        end as is_manufacturing,

        ---------- money
        staging.nullif_blank(payload ->> 'total_investment') as total_investment_text,
        staging.nullif_blank(payload ->> 'investment_unit') as investment_unit,
        staging.try_numeric(payload ->> 'total_investment')
            * case staging.nullif_blank(payload ->> 'investment_unit')
                when '万元' then 1
                when '亿元' then 10000
            end as total_investment_wan,
        staging.try_numeric(payload ->> 'foreign_investment_usd') as foreign_investment_usd_wan,

        ---------- place and stage
        staging.nullif_blank(payload ->> 'district_code') as district_code,
        staging.nullif_blank(payload ->> 'stage') as stage,

        ---------- dates
        staging.nullif_blank(payload ->> 'negotiation_started_on') as negotiation_started_on_text,
        staging.try_date(payload ->> 'negotiation_started_on') as negotiation_started_on,
        staging.nullif_blank(payload ->> 'signed_on') as signed_on_text,
        staging.try_date(payload ->> 'signed_on') as signed_on,

        ---------- other
        staging.nullif_blank(payload ->> 'project_code') as project_code,
        staging.nullif_blank(payload ->> 'contact_person') as contact_person,
        staging.nullif_blank(payload ->> 'contact_phone') as contact_phone,
        -- soft delete; a record without the flag is not deleted
        coalesce(lower(staging.nullif_blank(payload ->> 'is_deleted')) = 'true', false) as is_deleted,

        ---------- timestamps
        staging.nullif_blank(payload ->> 'updated_at') as updated_at_text,
        staging.try_timestamptz(payload ->> 'updated_at', '+08:00') as source_updated_at,

        ---------- appended after the published column list (only the suite reads it)
        staging.nullif_blank(payload ->> 'foreign_investment_usd') as foreign_investment_usd_text
    from source
)

select * from typed;

comment on view staging.stg_commerce__projects is
    '商务局招商项目（类型化） / Commerce projects, typed. Grain: one row per raw.commerce__projects row';
