-- Merge one audited commerce batch into core.commerce_projects.
-- Reads {batch}: the batch, typed once (meta.typed__<batch>, hub/warehouse/typed_batches.py).
-- Grain: one row per project_no, its latest valid version.
-- Latest version of a key in the batch wins; if that version was rejected, the key leaves
-- core (the department's current word is unusable). Idempotent: a raw version already
-- merged (raw_id not newer) changes nothing.
with

batch_latest as (
    select distinct on (s.source_key)
        s.source_key, s.project_no, s.project_name, s.investor_name, s.investor_uscc,
        s.project_company_name, s.project_company_uscc, s.origin_country, s.origin_province,
        s.origin_city, s.capital_type, s.industry_category, s.industry_chain,
        s.is_manufacturing, s.total_investment_wan, s.foreign_investment_usd_wan,
        s.district_code, s.stage, s.negotiation_started_on, s.signed_on, s.project_code,
        s.contact_person, s.contact_phone, s.is_deleted, s.source_updated_at, s.raw_id,
        s.batch_id,
        exists (
            select 1 from meta.rejects as r
            where r.source_system = 'commerce' and r.entity = 'projects' and r.raw_id = s.raw_id
        ) as is_rejected
    from {batch} as s
    where s.source_key is not null
    order by s.source_key, s.source_updated_at desc nulls last, s.raw_id desc
),

removed as (
    delete from core.commerce_projects as t
    using batch_latest as b
    where b.is_rejected and t.project_no = b.source_key and t.raw_id < b.raw_id
    returning t.project_no
)

insert into core.commerce_projects as t (
    project_no, project_name, investor_name, investor_uscc, project_company_name,
    project_company_uscc, origin_country, origin_province, origin_city, capital_type,
    industry_category, industry_chain, is_manufacturing, total_investment_wan,
    foreign_investment_usd_wan, district_code, stage, negotiation_started_on, signed_on,
    project_code, contact_person, contact_phone, is_deleted, source_updated_at, raw_id, batch_id
)
select
    project_no, project_name, investor_name, investor_uscc, project_company_name,
    project_company_uscc, origin_country, origin_province, origin_city, capital_type,
    industry_category, industry_chain, is_manufacturing, total_investment_wan,
    foreign_investment_usd_wan, district_code, stage, negotiation_started_on, signed_on,
    project_code, contact_person, contact_phone, coalesce(is_deleted, false), source_updated_at,
    raw_id, batch_id
from batch_latest
where not is_rejected
on conflict (project_no) do update set
    project_name = excluded.project_name,
    investor_name = excluded.investor_name,
    investor_uscc = excluded.investor_uscc,
    project_company_name = excluded.project_company_name,
    project_company_uscc = excluded.project_company_uscc,
    origin_country = excluded.origin_country,
    origin_province = excluded.origin_province,
    origin_city = excluded.origin_city,
    capital_type = excluded.capital_type,
    industry_category = excluded.industry_category,
    industry_chain = excluded.industry_chain,
    is_manufacturing = excluded.is_manufacturing,
    total_investment_wan = excluded.total_investment_wan,
    foreign_investment_usd_wan = excluded.foreign_investment_usd_wan,
    district_code = excluded.district_code,
    stage = excluded.stage,
    negotiation_started_on = excluded.negotiation_started_on,
    signed_on = excluded.signed_on,
    project_code = excluded.project_code,
    contact_person = excluded.contact_person,
    contact_phone = excluded.contact_phone,
    is_deleted = excluded.is_deleted,
    source_updated_at = excluded.source_updated_at,
    raw_id = excluded.raw_id,
    batch_id = excluded.batch_id
where t.raw_id < excluded.raw_id
