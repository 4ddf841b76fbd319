-- Keep core.projects_history in step with core.projects: every published version of a row,
-- valid from the publish that wrote it until the publish that replaced or removed it.
-- Runs right after core/refresh_projects.sql, in the same transaction, for the projects it
-- recomputed (publish_scope): no other row of core.projects changed. Params: none.
-- Time is the transaction's (now()), so one publish is one instant for every project.
-- A version is the whole row (provenance and updated_at included); a re-run with nothing
-- changed finds every open version equal to its row and writes nothing.

-- A version written earlier in this same transaction was never visible: replace it, do not
-- close it at the instant it opened.
delete from core.projects_history as h
using publish_scope as ps
where ps.hub_project_id = h.hub_project_id
  and h.valid_to is null
  and h.valid_from = now()
  and not exists (
      select 1 from core.projects as p
      where p.hub_project_id = h.hub_project_id
        and to_jsonb(p) = to_jsonb(h) - 'valid_from' - 'valid_to'
  );

-- Close the open version of every project whose row changed or left core.projects.
update core.projects_history as h
set valid_to = now()
from publish_scope as ps
where ps.hub_project_id = h.hub_project_id
  and h.valid_to is null
  and not exists (
      select 1 from core.projects as p
      where p.hub_project_id = h.hub_project_id
        and to_jsonb(p) = to_jsonb(h) - 'valid_from' - 'valid_to'
  );

-- Open a version for every row without one: new projects and the ones just closed.
insert into core.projects_history (
    hub_project_id, project_code, project_name, investor_name, investor_uscc, company_name,
    company_uscc, district_code, district_name, capital_type, origin_country, origin_province,
    origin_city, industry_category, industry_chain, is_manufacturing, signed_investment_wan,
    planned_investment_wan, stage, stage_zh, negotiation_started_on, signed_on, landed_on,
    construction_started_on, stats_included_month, production_on, terminated_on,
    completed_investment_ytd_wan, latest_stats_period, land_area_mu, land_quota_mu, sources,
    needs_review, updated_at, provenance, valid_from
)
select
    p.hub_project_id, p.project_code, p.project_name, p.investor_name, p.investor_uscc,
    p.company_name, p.company_uscc, p.district_code, p.district_name, p.capital_type,
    p.origin_country, p.origin_province, p.origin_city, p.industry_category, p.industry_chain,
    p.is_manufacturing, p.signed_investment_wan, p.planned_investment_wan, p.stage, p.stage_zh,
    p.negotiation_started_on, p.signed_on, p.landed_on, p.construction_started_on,
    p.stats_included_month, p.production_on, p.terminated_on, p.completed_investment_ytd_wan,
    p.latest_stats_period, p.land_area_mu, p.land_quota_mu, p.sources, p.needs_review,
    p.updated_at, p.provenance, now()
from core.projects as p
join publish_scope as ps on ps.hub_project_id = p.hub_project_id
where not exists (
    select 1 from core.projects_history as h
    where h.hub_project_id = p.hub_project_id and h.valid_to is null
);
