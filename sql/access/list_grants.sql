-- Who has what in this warehouse: one row per granted login, under its current name (a
-- renamed login keeps its grant; a dropped one is shown as such until revoked).
select
    coalesce(r.rolname, g.login_name) as login,
    r.oid is null as dropped,
    coalesce(r.rolcanlogin, false) as can_login,
    g.role_name,
    case when g.all_districts then 'all districts'
         else g.district_code || ' ' || coalesce(d.district_name, '(unknown district)') end as scope,
    g.granted_at,
    g.granted_by
from meta.access_grants as g
left join pg_roles as r on r.oid = g.login_oid
left join ref.districts as d on d.district_code = g.district_code
order by login
