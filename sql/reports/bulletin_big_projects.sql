-- The bulletin's big projects (hub/report/data.py): shared.big_projects (签约投资额30亿元以上)
-- signed on or before the period's end %(period_end)s — the standing list a period's bulletin
-- reports on; signed_in_period marks those signed within the period (they are the indicators'
-- projects_30yi_plus). Stage and last evidence are as the view has them now.
-- Grain: one row per project; largest first.
select
    b.hub_project_id,
    b.project_code,
    b.project_name,
    b.district_name,
    b.industry_chain,
    b.signed_investment_yi,
    b.stage_zh,
    b.signed_on,
    b.last_evidence_on,
    b.last_evidence_milestone,
    b.last_evidence_source,
    b.is_50yi_plus,
    b.signed_on >= %(period_start)s::date as signed_in_period
from shared.big_projects as b
where b.signed_on <= %(period_end)s::date
order by b.signed_investment_yi desc, b.signed_on, b.project_code
