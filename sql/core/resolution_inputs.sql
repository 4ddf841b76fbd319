-- Every current source record with the keys entity resolution uses.
-- Grain: one row per (source_system, source_key). is_evidence: the record shows a lifecycle
-- milestone (see refresh_milestones.sql) and so may found a hub project on its own.
select
    'commerce' as source_system,
    c.project_no as source_key,
    c.project_code,
    c.project_company_uscc as company_uscc,
    coalesce(c.project_company_name, c.project_name) as name,
    not c.is_deleted as is_evidence
from core.commerce_projects as c

union all

select
    'approval',
    a.event_id,
    a.project_code,
    a.applicant_uscc,
    a.applicant_name,
    a.matter in ('项目备案', '项目核准', '施工许可')
    and exists (select 1 from core.effective_approval_events as e where e.event_id = a.event_id)
from core.approval_events as a

union all

select
    'land',
    l.parcel_id,
    l.project_code,
    l.land_user_uscc,
    l.land_user_name,
    l.status = '有效'
from core.land_parcels as l

union all

select
    'stats',
    s.stat_project_id,
    s.project_code,
    s.legal_unit_uscc,
    s.legal_unit_name,
    true
from core.stats_latest as s
