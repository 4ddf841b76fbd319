-- shared.discrepancies: open inconsistencies between departments about one project
-- (planned investment > 20% apart, commerce stage behind, 已终止 overruled by later evidence,
-- district disagreement). Grain: one row per live hub project × kind; a resolved one disappears.
create or replace view shared.discrepancies with (security_barrier) as
select d.hub_project_id, d.kind, d.detail, d.departments, d.detected_at
from core.discrepancies as d
join core.projects as p on p.hub_project_id = d.hub_project_id
cross join core.reader_scope as rs
where (rs.all_districts or p.district_code = any (rs.districts));

comment on view shared.discrepancies is
    '部门间数据不一致：每个项目每类未解决问题一行 / Open inconsistencies between departments: one row per project and kind';
comment on column shared.discrepancies.hub_project_id is
    '枢纽项目编号 / Hub project id';
comment on column shared.discrepancies.kind is
    '不一致类型：planned_investment_mismatch（计划投资相差超20%）、commerce_stage_behind（商务阶段滞后）、terminated_with_later_evidence（已终止但有后续证据）、district_mismatch（区划不一致）/ Kind of inconsistency';
comment on column shared.discrepancies.detail is
    '各部门取值说明 / What each department says';
comment on column shared.discrepancies.departments is
    '涉及部门 / Departments involved';
comment on column shared.discrepancies.detected_at is
    '首次发现时间（问题持续期间保持不变）/ When first detected (kept while it stays open)';
