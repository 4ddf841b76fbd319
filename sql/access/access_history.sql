-- Every grant and revoke in this warehouse, oldest first.
select
    l.logged_at, l.action, coalesce(r.rolname, l.login_name) as login, l.role_name,
    case when l.all_districts then 'all districts' else l.district_code end as scope,
    l.actor
from meta.access_log as l
left join pg_roles as r on r.oid = l.login_oid
order by l.log_id
