-- shared.project_milestones: every piece of lifecycle evidence. Grain: one row per evidence.
create or replace view shared.project_milestones with (security_barrier) as
select m.hub_project_id, m.milestone, m.occurred_on, m.source_system, m.source_key
from core.project_milestones as m
join core.projects as p on p.hub_project_id = m.hub_project_id
cross join core.reader_scope as rs
where (rs.all_districts or p.district_code = any (rs.districts));

comment on view shared.project_milestones is
    '生命周期里程碑证据：每条证据一行 / Lifecycle milestone evidence: one row per piece of evidence';
comment on column shared.project_milestones.hub_project_id is
    '枢纽项目编号 / Hub project id';
comment on column shared.project_milestones.milestone is
    '里程碑：negotiating、signed、landed、under_construction、in_statistics、in_production、terminated / Milestone the evidence shows';
comment on column shared.project_milestones.occurred_on is
    '发生日期；证据无日期时为空 / Date of the milestone; null where the evidence has no date';
comment on column shared.project_milestones.source_system is
    '提供证据的部门 / Department whose record is the evidence';
comment on column shared.project_milestones.source_key is
    '作为证据的源记录主键 / Key of the source record that is the evidence';
