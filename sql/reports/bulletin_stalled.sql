-- The bulletin's stalled list (hub/report/data.py): shared.stalled_projects_as_of at the
-- period's last day — projects signed more than six months before it that had not landed,
-- with the department that would next have to act. Grain: one row per project; longest
-- stalled first.
select
    s.project_name,
    s.district_name,
    s.signed_on,
    s.months_since_signing,
    s.signed_investment_yi,
    s.stage_zh,
    s.next_department_zh,
    s.next_step_zh
from shared.stalled_projects_as_of(%(period_end)s::date) as s
order by s.months_since_signing desc, s.signed_investment_yi desc nulls last, s.project_name
