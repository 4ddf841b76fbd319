-- core.reader_scope: the district scope of whoever is querying. One row.
-- shared views run with their owner's rights but current_user stays the reader, so each
-- scoped view joins this and keeps rows where not is_scoped or the district is in districts.
create or replace view core.reader_scope as
select
    count(*) > 0 as is_scoped,
    coalesce(array_agg(s.district_code order by s.district_code), '{}') as districts
from meta.access_scopes as s
where s.login = current_user;
comment on view core.reader_scope is
    '当前查询用户的区划范围 / District scope of the querying user (empty = all districts)';
