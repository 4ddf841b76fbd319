-- The bulletin's lifecycle funnel (hub/report/data.py): shared.lifecycle_funnel summed over the
-- period's signing-month cohorts (%(cohorts)s: 2024-03; 2024-01..03 for 2024Q1; January
-- through the period's month for a year to date), over every district and industry chain.
-- Medians and rates are not summed: the rates are recomputed from the sums by the caller; nor
-- is signed_investment_yi (a sum of per-row rounded amounts drifts from the exact total: the
-- headline's signed_investment_yi is the period's exact one).
-- Grain: one row for the whole city (is_city), then one row per district.
select
    grouping(f.district_code, f.district_name) = 3 as is_city,
    f.district_code,
    f.district_name,
    coalesce(sum(f.signed_projects), 0)::bigint as signed_projects,
    coalesce(sum(f.landed_projects), 0)::bigint as landed_projects,
    coalesce(sum(f.under_construction_projects), 0)::bigint as under_construction_projects,
    coalesce(sum(f.in_statistics_projects), 0)::bigint as in_statistics_projects,
    coalesce(sum(f.in_production_projects), 0)::bigint as in_production_projects,
    coalesce(sum(f.terminated_projects), 0)::bigint as terminated_projects,
    coalesce(sum(f.completed_investment_ytd_wan), 0) as completed_investment_ytd_wan
from shared.lifecycle_funnel as f
where f.cohort_type = 'month'
  and f.cohort = any(%(cohorts)s::text[])
group by grouping sets ((), (f.district_code, f.district_name))
order by is_city desc, f.district_code, f.district_name
