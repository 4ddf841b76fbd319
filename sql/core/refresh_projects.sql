-- Rebuild core.projects: one row per live hub project, attributes chosen across departments.
-- Grain: one row per hub project with at least one link and a lifecycle stage.
-- Needs temp table project_lifecycle (filled from hub.lifecycle). Params: none.
-- Survivorship: the authority for each attribute first (contract: warehouse.md):
--   code: approval › stats › land › commerce;  name: commerce › approval › stats › land;
--   company: commerce project company › approval applicant › stats legal unit › land user;
--   district: approval › stats › commerce › land;  planned investment: stats › approval › commerce.
-- updated_at moves only when a published value changed (IS DISTINCT FROM guard).
create temporary table project_rows on commit drop as

with

links as (
    select l.* from core.project_links as l
    join core.hub_projects as h on h.hub_project_id = l.hub_project_id and h.retired_at is null
),

commerce as (
    select distinct on (l.hub_project_id) l.hub_project_id, c.*
    from core.commerce_projects as c
    join links as l on l.source_system = 'commerce' and l.source_key = c.project_no
    order by l.hub_project_id, c.is_deleted, c.source_updated_at desc nulls last, c.project_no
),

approval as (
    select distinct on (l.hub_project_id) l.hub_project_id, e.*
    from core.effective_approval_events as e
    join links as l on l.source_system = 'approval' and l.source_key = e.event_id
    order by l.hub_project_id, e.decided_at desc, e.event_id desc
),

stats as (
    select distinct on (l.hub_project_id) l.hub_project_id, s.*
    from core.stats_roster as s
    join links as l on l.source_system = 'stats' and l.source_key = s.stat_project_id
    order by l.hub_project_id, s.period desc, s.stat_project_id
),

land_any as (
    select distinct on (l.hub_project_id) l.hub_project_id, p.*
    from core.land_parcels as p
    join links as l on l.source_system = 'land' and l.source_key = p.parcel_id
    order by l.hub_project_id, (p.status = '有效') desc, p.contract_on desc nulls last, p.parcel_id
),

land_totals as (
    select
        l.hub_project_id,
        sum(p.area_ha * 15) as land_area_mu,
        sum(p.quota_mu) as land_quota_mu
    from core.land_parcels as p
    join links as l on l.source_system = 'land' and l.source_key = p.parcel_id
    where p.status = '有效'
    group by l.hub_project_id
),

sources as (
    select
        hub_project_id,
        array_agg(distinct source_system order by source_system) as source_list
    from links
    group by hub_project_id
)

select
    lc.hub_project_id,
    coalesce(a.project_code, s.project_code, la.project_code, c.project_code) as project_code,
    coalesce(c.project_name, a.project_name, s.project_name, la.project_name) as project_name,
    c.investor_name,
    c.investor_uscc,
    coalesce(c.project_company_name, a.applicant_name, s.legal_unit_name, la.land_user_name) as company_name,
    coalesce(c.project_company_uscc, a.applicant_uscc, s.legal_unit_uscc, la.land_user_uscc) as company_uscc,
    d.district_code,
    d.district_name,
    c.capital_type,
    c.origin_country,
    c.origin_province,
    c.origin_city,
    coalesce(c.industry_category, ic.industry_category) as industry_category,
    c.industry_chain,
    coalesce(c.is_manufacturing, ic.is_manufacturing) as is_manufacturing,
    c.total_investment_wan as signed_investment_wan,
    coalesce(s.planned_investment_wan, a.total_investment_wan, c.total_investment_wan) as planned_investment_wan,
    lc.stage,
    lc.stage_zh,
    coalesce(c.negotiation_started_on, lc.negotiating_on) as negotiation_started_on,
    lc.signed_on,
    lc.landed_on,
    lc.construction_started_on,
    lc.stats_included_month,
    lc.production_on,
    lc.terminated_on,
    s.completed_investment_ytd_wan,
    s.period as latest_stats_period,
    lt.land_area_mu,
    lt.land_quota_mu,
    -- contract order of departments, not alphabetical
    array(
        select x from unnest(array['commerce', 'approval', 'land', 'stats']) as x
        where x = any (src.source_list)
    ) as sources,
    exists (
        select 1 from core.match_candidates as m
        where m.hub_project_id = lc.hub_project_id and m.status = 'open'
    ) as needs_review
from project_lifecycle as lc
join sources as src on src.hub_project_id = lc.hub_project_id
left join commerce as c on c.hub_project_id = lc.hub_project_id
left join approval as a on a.hub_project_id = lc.hub_project_id
left join stats as s on s.hub_project_id = lc.hub_project_id
left join land_any as la on la.hub_project_id = lc.hub_project_id
left join land_totals as lt on lt.hub_project_id = lc.hub_project_id
left join ref.industry_chains as ic on ic.industry_chain = c.industry_chain
left join ref.districts as d
    on d.district_code = coalesce(a.district_code, s.district_code, c.district_code, la.district_code);

delete from core.projects as p
where not exists (select 1 from project_rows as r where r.hub_project_id = p.hub_project_id);

insert into core.projects as p (
    hub_project_id, project_code, project_name, investor_name, investor_uscc, company_name,
    company_uscc, district_code, district_name, capital_type, origin_country, origin_province,
    origin_city, industry_category, industry_chain, is_manufacturing, signed_investment_wan,
    planned_investment_wan, stage, stage_zh, negotiation_started_on, signed_on, landed_on,
    construction_started_on, stats_included_month, production_on, terminated_on,
    completed_investment_ytd_wan, latest_stats_period, land_area_mu, land_quota_mu, sources,
    needs_review, updated_at
)
select
    hub_project_id, project_code, project_name, investor_name, investor_uscc, company_name,
    company_uscc, district_code, district_name, capital_type, origin_country, origin_province,
    origin_city, industry_category, industry_chain, is_manufacturing, signed_investment_wan,
    planned_investment_wan, stage, stage_zh, negotiation_started_on, signed_on, landed_on,
    construction_started_on, stats_included_month, production_on, terminated_on,
    completed_investment_ytd_wan, latest_stats_period, land_area_mu, land_quota_mu, sources,
    needs_review, now()
from project_rows
on conflict (hub_project_id) do update set
    project_code = excluded.project_code,
    project_name = excluded.project_name,
    investor_name = excluded.investor_name,
    investor_uscc = excluded.investor_uscc,
    company_name = excluded.company_name,
    company_uscc = excluded.company_uscc,
    district_code = excluded.district_code,
    district_name = excluded.district_name,
    capital_type = excluded.capital_type,
    origin_country = excluded.origin_country,
    origin_province = excluded.origin_province,
    origin_city = excluded.origin_city,
    industry_category = excluded.industry_category,
    industry_chain = excluded.industry_chain,
    is_manufacturing = excluded.is_manufacturing,
    signed_investment_wan = excluded.signed_investment_wan,
    planned_investment_wan = excluded.planned_investment_wan,
    stage = excluded.stage,
    stage_zh = excluded.stage_zh,
    negotiation_started_on = excluded.negotiation_started_on,
    signed_on = excluded.signed_on,
    landed_on = excluded.landed_on,
    construction_started_on = excluded.construction_started_on,
    stats_included_month = excluded.stats_included_month,
    production_on = excluded.production_on,
    terminated_on = excluded.terminated_on,
    completed_investment_ytd_wan = excluded.completed_investment_ytd_wan,
    latest_stats_period = excluded.latest_stats_period,
    land_area_mu = excluded.land_area_mu,
    land_quota_mu = excluded.land_quota_mu,
    sources = excluded.sources,
    needs_review = excluded.needs_review,
    updated_at = excluded.updated_at
where (p.project_code, p.project_name, p.investor_name, p.investor_uscc, p.company_name,
       p.company_uscc, p.district_code, p.district_name, p.capital_type, p.origin_country,
       p.origin_province, p.origin_city, p.industry_category, p.industry_chain,
       p.is_manufacturing, p.signed_investment_wan, p.planned_investment_wan, p.stage,
       p.stage_zh, p.negotiation_started_on, p.signed_on, p.landed_on,
       p.construction_started_on, p.stats_included_month, p.production_on, p.terminated_on,
       p.completed_investment_ytd_wan, p.latest_stats_period, p.land_area_mu,
       p.land_quota_mu, p.sources, p.needs_review)
    is distinct from
      (excluded.project_code, excluded.project_name, excluded.investor_name,
       excluded.investor_uscc, excluded.company_name, excluded.company_uscc,
       excluded.district_code, excluded.district_name, excluded.capital_type,
       excluded.origin_country, excluded.origin_province, excluded.origin_city,
       excluded.industry_category, excluded.industry_chain, excluded.is_manufacturing,
       excluded.signed_investment_wan, excluded.planned_investment_wan, excluded.stage,
       excluded.stage_zh, excluded.negotiation_started_on, excluded.signed_on,
       excluded.landed_on, excluded.construction_started_on, excluded.stats_included_month,
       excluded.production_on, excluded.terminated_on, excluded.completed_investment_ytd_wan,
       excluded.latest_stats_period, excluded.land_area_mu, excluded.land_quota_mu,
       excluded.sources, excluded.needs_review);
