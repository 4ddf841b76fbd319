-- shared.dim_district: the district dimension of the BI star (issue 15). Grain: one row per
-- district of reference/districts.csv (ref.districts). Key: district_code, which
-- fact_project, fact_project_stage_spans, fact_project_stage_daily and the contract views
-- (projects.district_code) carry. A dimension is not district data: every granted login sees
-- all of it (the scope join only keeps a login without a grant out, as sync_status does).
create or replace view shared.dim_district with (security_barrier) as
select
    d.district_code,
    d.district_name,
    (select string_agg(a.alias, '、' order by a.alias)
     from ref.district_aliases as a
     where a.district_code = d.district_code) as aliases,
    row_number() over (order by d.district_code)::integer as sort_order
from ref.districts as d
cross join core.reader_scope as rs
where rs.all_districts or cardinality(rs.districts) > 0;

comment on view shared.dim_district is
    '区（市）维度（BI 星型模型）：每个区（市）一行，来自参考表 districts；主键 district_code，被 fact_project、fact_project_stage_spans、fact_project_stage_daily 及 projects 引用 / District dimension of the BI star: one row per district of the reference table districts; key district_code, referenced by fact_project, fact_project_stage_spans, fact_project_stage_daily and projects';
comment on column shared.dim_district.district_code is
    '行政区划代码，6位，主键 ← fact_project.district_code / District code, 6 digits, primary key ← fact_project.district_code';
comment on column shared.dim_district.district_name is
    '区（市）名称 / District name';
comment on column shared.dim_district.aliases is
    '别名（以“、”分隔，如 西海岸新区），部门数据中出现的写法 / Aliases seen in department data, separated by 、 (e.g. 西海岸新区)';
comment on column shared.dim_district.sort_order is
    '排序号（按区划代码）/ Sort order (by district code)';
