-- shared.project_sources: projects.sources flattened for BI (issue 15). Grain: one row per
-- project per department holding a record of it (unnest of core.projects.sources). District
-- scope as projects.
create or replace view shared.project_sources with (security_barrier) as
select p.hub_project_id, s.source_system
from core.projects as p
cross join lateral unnest(p.sources) as s (source_system)
cross join core.reader_scope as rs
where (rs.all_districts or p.district_code = any (rs.districts));

comment on view shared.project_sources is
    '项目的数据来源部门（projects.sources 展开）：每个项目每个有记录的部门一行；区划范围同 projects / Departments holding a record of each project (projects.sources flattened): one row per project per department; district scope as projects';
comment on column shared.project_sources.hub_project_id is
    '枢纽项目编号 → fact_project.hub_project_id / Hub project id → fact_project.hub_project_id';
comment on column shared.project_sources.source_system is
    '有记录的部门：commerce、approval、land、stats / Department holding a record: commerce, approval, land or stats';
