-- The role named LOGIN, if any, with what decides whether `hub access grant` may use it, and
-- the last thing this warehouse's access log did to it (a login it revoked may be re-granted).
select
    r.oid,
    r.rolcanlogin as can_login,
    r.rolsuper or r.rolbypassrls or r.rolcreaterole or r.rolreplication as is_privileged,
    (select l.action from meta.access_log as l where l.login_oid = r.oid
     order by l.log_id desc limit 1) as last_action,
    (select g.role_name from meta.access_grants as g where g.login_oid = r.oid) as granted_role,
    exists (
        select 1 from pg_auth_members as m join pg_roles as g on g.oid = m.roleid
        where m.member = r.oid and g.rolname = any (%(hub_roles)s)
    ) as holds_hub_role
from pg_roles as r
where r.rolname = %(login)s
