-- shared.project_id_redirects: ids retired because two hub projects were one.
-- Grain: one row per retired id. Scoped by the district of the project an id now redirects to.
create or replace view shared.project_id_redirects with (security_barrier) as
select h.hub_project_id as retired_hub_project_id, h.retired_into as hub_project_id, h.retired_at
from core.hub_projects as h
left join core.projects as p on p.hub_project_id = h.retired_into
cross join core.reader_scope as rs
where h.retired_into is not null
  and (rs.all_districts or p.district_code = any (rs.districts));

comment on view shared.project_id_redirects is
    '退役项目编号的去向：两个项目被认定为同一项目时，每个退役编号一行 / Retired hub project ids: one row per id retired when two hub projects turned out to be one';
comment on column shared.project_id_redirects.retired_hub_project_id is
    '已退役的枢纽项目编号 / Retired hub project id';
comment on column shared.project_id_redirects.hub_project_id is
    '并入的存续枢纽项目编号 / Surviving hub project id it now redirects to';
comment on column shared.project_id_redirects.retired_at is
    '退役时间 / When the id was retired';
