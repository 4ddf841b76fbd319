-- shared.project_source_links: which source record belongs to which hub project.
-- Grain: one row per usable (current, valid, linked) source record.
create or replace view shared.project_source_links with (security_barrier) as
select l.source_system, l.source_key, l.hub_project_id, l.match_method, l.match_score, l.linked_at
from core.project_links as l
join core.projects as p on p.hub_project_id = l.hub_project_id
cross join core.reader_scope as rs
where (rs.all_districts or p.district_code = any (rs.districts));

comment on view shared.project_source_links is
    '源记录与枢纽项目的对应关系：每条可用源记录一行 / Which source record belongs to which hub project: one row per usable source record';
comment on column shared.project_source_links.source_system is
    '来源部门：commerce、approval、land、stats / Source department';
comment on column shared.project_source_links.source_key is
    '源记录主键：商务 project_no、审批 event_id、土地宗地编号、统计 stat_project_id / Source record key: commerce project_no, approval event_id, land parcel id (宗地编号), stats stat_project_id';
comment on column shared.project_source_links.hub_project_id is
    '所属枢纽项目编号 / Hub project the record belongs to';
comment on column shared.project_source_links.match_method is
    '匹配方式：project_code、uscc_name、probabilistic、steward、new / How the record was matched: project_code, uscc_name, probabilistic, steward or new';
comment on column shared.project_source_links.match_score is
    '匹配得分（概率匹配时）/ Match score (for probabilistic matches)';
comment on column shared.project_source_links.linked_at is
    '建立关联的时间 / When the link was made';
