-- The month's bulletin (hub/bulletin.py): the shared.signing_indicators rows of one month's
-- periods, and the projects per stage in shared.projects, read in one statement (one snapshot).
-- The rows whose period ends on the month's last day: the month itself (2024-03), the quarter
-- when the month ends one (2024Q1: the contract has whole quarters only, no quarter to date),
-- and the year to date through the month (2024YTD03). A period without counted projects has no
-- row (contracts/warehouse.md "Signing indicators"). Grain: one row per such period, or a
-- single row with a null period when the month has none; projects_per_stage (jsonb
-- {stage: count}) is the same on every row.
with

stages as (
    select coalesce(jsonb_object_agg(stage, projects), '{}'::jsonb) as projects_per_stage
    from (select stage, count(*) as projects from shared.projects group by stage) as s
),

month_rows as (
    select si.*
    from shared.signing_indicators as si
    where si.period_end = %(month_end)s::date
      and si.period_type in ('month', 'quarter', 'ytd')
)

select st.projects_per_stage, mr.*
from stages as st
left join month_rows as mr on true
order by mr.period
