-- Rebuild core.projects for the projects in publish_scope (hub/resolve/scope.py): one row per
-- live hub project, attributes chosen across departments.
-- Grain: one row per hub project with at least one link and a lifecycle stage.
-- Needs temp table project_lifecycle (filled from hub.lifecycle). Params: none.
-- Survivorship: the authority for each attribute first (contract: warehouse.md):
--   code: approval › stats › land › commerce;  name: commerce › approval › stats › land;
--   company: commerce project company › approval applicant › stats legal unit › land user;
--   district: approval › stats › commerce › land;  planned investment: stats › approval › commerce.
-- Provenance: for every non-null attribute taken from a source record, which record it was —
--   {"source_system", "source_key"} (+ "period" for a stats roster row; + "via" when the value
--   was looked up in a reference table from that record's field). Land totals name every valid
--   parcel summed ("source_keys", "aggregate": "sum"). Lifecycle dates and the stage name the
--   core.project_milestones evidence they came from: for a date, the evidence with that
--   (earliest) date; for the stage, the stage milestone's evidence, earliest dated first. Ties:
--   department in contract order (commerce, approval, land, stats), then source key.
--   hub_project_id, sources, needs_review and updated_at are the hub's own: no entry.
-- updated_at moves only when a published value changed (IS DISTINCT FROM guard); provenance is
-- published, so a value now taken from another record counts as a change.
create temporary table project_rows on commit drop as

with

links as (
    select l.* from core.project_links as l
    join publish_scope as ps on ps.hub_project_id = l.hub_project_id
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
        sum(p.quota_mu) as land_quota_mu,
        -- the parcels each sum is made of (provenance)
        array_agg(p.parcel_id order by p.parcel_id) filter (where p.area_ha is not null) as area_keys,
        array_agg(p.parcel_id order by p.parcel_id) filter (where p.quota_mu is not null) as quota_keys
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
),

-- per project and milestone, the evidence a published lifecycle value points to
lifecycle_evidence as (
    select distinct on (m.hub_project_id, m.milestone)
        m.hub_project_id, m.milestone, m.occurred_on,
        jsonb_build_object('source_system', m.source_system, 'source_key', m.source_key) as rec
    from core.project_milestones as m
    join publish_scope as ps on ps.hub_project_id = m.hub_project_id
    order by
        m.hub_project_id, m.milestone, m.occurred_on nulls last,
        array_position(array['commerce', 'approval', 'land', 'stats'], m.source_system),
        m.source_key
),

lifecycle_provenance as (
    select lc.hub_project_id, jsonb_object_agg(x.attribute, e.rec) as provenance
    from project_lifecycle as lc
    cross join lateral (
        values
            ('stage', lc.stage, null::date, false),
            ('stage_zh', lc.stage, null, false),
            ('negotiation_started_on', 'negotiating', lc.negotiating_on, true),
            ('signed_on', 'signed', lc.signed_on, true),
            ('landed_on', 'landed', lc.landed_on, true),
            ('construction_started_on', 'under_construction', lc.construction_started_on, true),
            ('stats_included_month', 'in_statistics', lc.stats_included_month, true),
            ('production_on', 'in_production', lc.production_on, true),
            ('terminated_on', 'terminated', lc.terminated_on, true)
    ) as x (attribute, milestone, published_on, by_date)
    join lifecycle_evidence as e
        on e.hub_project_id = lc.hub_project_id and e.milestone = x.milestone
       and (not x.by_date or e.occurred_on = x.published_on)
    group by lc.hub_project_id
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
    ) or exists (
        -- or one of its own records is proposed into another project
        select 1 from core.match_candidates as m
        join links as ml on (ml.source_system, ml.source_key) = (m.source_system, m.source_key)
        where ml.hub_project_id = lc.hub_project_id and m.status = 'open'
    ) as needs_review,
    -- lifecycle entries first: commerce's own negotiation date, when used, replaces its entry
    coalesce(lp.provenance, '{}') || jsonb_strip_nulls(jsonb_build_object(
        'project_code', case
            when a.project_code is not null then rec.approval
            when s.project_code is not null then rec.stats
            when la.project_code is not null then rec.land
            when c.project_code is not null then rec.commerce end,
        'project_name', case
            when c.project_name is not null then rec.commerce
            when a.project_name is not null then rec.approval
            when s.project_name is not null then rec.stats
            when la.project_name is not null then rec.land end,
        'investor_name', case when c.investor_name is not null then rec.commerce end,
        'investor_uscc', case when c.investor_uscc is not null then rec.commerce end,
        'company_name', case
            when c.project_company_name is not null then rec.commerce
            when a.applicant_name is not null then rec.approval
            when s.legal_unit_name is not null then rec.stats
            when la.land_user_name is not null then rec.land end,
        'company_uscc', case
            when c.project_company_uscc is not null then rec.commerce
            when a.applicant_uscc is not null then rec.approval
            when s.legal_unit_uscc is not null then rec.stats
            when la.land_user_uscc is not null then rec.land end,
        'district_code', chosen.district_rec,
        'district_name', chosen.district_rec || '{"via": "ref.districts"}',
        'capital_type', case when c.capital_type is not null then rec.commerce end,
        'origin_country', case when c.origin_country is not null then rec.commerce end,
        'origin_province', case when c.origin_province is not null then rec.commerce end,
        'origin_city', case when c.origin_city is not null then rec.commerce end,
        'industry_category', case
            when c.industry_category is not null then rec.commerce
            when ic.industry_category is not null
                then rec.commerce || '{"via": "ref.industry_chains"}' end,
        'industry_chain', case when c.industry_chain is not null then rec.commerce end,
        'is_manufacturing', case
            when c.is_manufacturing is not null then rec.commerce
            when ic.is_manufacturing is not null
                then rec.commerce || '{"via": "ref.industry_chains"}' end,
        'signed_investment_wan', case when c.total_investment_wan is not null then rec.commerce end,
        'planned_investment_wan', case
            when s.planned_investment_wan is not null then rec.stats
            when a.total_investment_wan is not null then rec.approval
            when c.total_investment_wan is not null then rec.commerce end,
        'negotiation_started_on', case when c.negotiation_started_on is not null then rec.commerce end,
        'completed_investment_ytd_wan', case when s.completed_investment_ytd_wan is not null then rec.stats end,
        'latest_stats_period', case when s.period is not null then rec.stats end,
        'land_area_mu', case when lt.land_area_mu is not null then jsonb_build_object(
            'source_system', 'land', 'source_keys', lt.area_keys, 'aggregate', 'sum') end,
        'land_quota_mu', case when lt.land_quota_mu is not null then jsonb_build_object(
            'source_system', 'land', 'source_keys', lt.quota_keys, 'aggregate', 'sum') end
    )) as provenance
from project_lifecycle as lc
join sources as src on src.hub_project_id = lc.hub_project_id
left join commerce as c on c.hub_project_id = lc.hub_project_id
left join approval as a on a.hub_project_id = lc.hub_project_id
left join stats as s on s.hub_project_id = lc.hub_project_id
left join land_any as la on la.hub_project_id = lc.hub_project_id
left join land_totals as lt on lt.hub_project_id = lc.hub_project_id
left join lifecycle_provenance as lp on lp.hub_project_id = lc.hub_project_id
left join ref.industry_chains as ic on ic.industry_chain = c.industry_chain
left join ref.districts as d
    on d.district_code = coalesce(a.district_code, s.district_code, c.district_code, la.district_code)
-- the record each department's attributes come from (used only where its value is)
cross join lateral (
    select
        jsonb_build_object('source_system', 'commerce', 'source_key', c.project_no) as commerce,
        jsonb_build_object('source_system', 'approval', 'source_key', a.event_id) as approval,
        jsonb_build_object(
            'source_system', 'stats', 'source_key', s.stat_project_id, 'period', s.period
        ) as stats,
        jsonb_build_object('source_system', 'land', 'source_key', la.parcel_id) as land
) as rec
cross join lateral (
    select case
        when d.district_code is null then null
        when a.district_code is not null then rec.approval
        when s.district_code is not null then rec.stats
        when c.district_code is not null then rec.commerce
        when la.district_code is not null then rec.land
    end as district_rec
) as chosen;

delete from core.projects as p
using publish_scope as ps
where ps.hub_project_id = p.hub_project_id
  and not exists (select 1 from project_rows as r where r.hub_project_id = p.hub_project_id);

insert into core.projects as p (
    hub_project_id, project_code, project_name, investor_name, investor_uscc, company_name,
    company_uscc, district_code, district_name, capital_type, origin_country, origin_province,
    origin_city, industry_category, industry_chain, is_manufacturing, signed_investment_wan,
    planned_investment_wan, stage, stage_zh, negotiation_started_on, signed_on, landed_on,
    construction_started_on, stats_included_month, production_on, terminated_on,
    completed_investment_ytd_wan, latest_stats_period, land_area_mu, land_quota_mu, sources,
    needs_review, provenance, updated_at
)
select
    hub_project_id, project_code, project_name, investor_name, investor_uscc, company_name,
    company_uscc, district_code, district_name, capital_type, origin_country, origin_province,
    origin_city, industry_category, industry_chain, is_manufacturing, signed_investment_wan,
    planned_investment_wan, stage, stage_zh, negotiation_started_on, signed_on, landed_on,
    construction_started_on, stats_included_month, production_on, terminated_on,
    completed_investment_ytd_wan, latest_stats_period, land_area_mu, land_quota_mu, sources,
    needs_review, provenance, now()
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
    provenance = excluded.provenance,
    updated_at = excluded.updated_at
where (p.project_code, p.project_name, p.investor_name, p.investor_uscc, p.company_name,
       p.company_uscc, p.district_code, p.district_name, p.capital_type, p.origin_country,
       p.origin_province, p.origin_city, p.industry_category, p.industry_chain,
       p.is_manufacturing, p.signed_investment_wan, p.planned_investment_wan, p.stage,
       p.stage_zh, p.negotiation_started_on, p.signed_on, p.landed_on,
       p.construction_started_on, p.stats_included_month, p.production_on, p.terminated_on,
       p.completed_investment_ytd_wan, p.latest_stats_period, p.land_area_mu,
       p.land_quota_mu, p.sources, p.needs_review, p.provenance)
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
       excluded.sources, excluded.needs_review, excluded.provenance);
