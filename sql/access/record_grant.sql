-- Keep the login's one grant in this warehouse (by role OID) and log it.
-- Params: login_oid, login, role, district_code (null = all districts).
with granted as (
    insert into meta.access_grants as g
        (login_oid, login_name, role_name, district_code, all_districts)
    values (%(login_oid)s, %(login)s, %(role)s, %(district_code)s::text,
            %(district_code)s::text is null)
    on conflict (login_oid) do update
        set login_name = excluded.login_name, role_name = excluded.role_name,
            district_code = excluded.district_code, all_districts = excluded.all_districts,
            granted_at = now(), granted_by = session_user
    returning g.*
)
insert into meta.access_log
    (action, login_oid, login_name, role_name, district_code, all_districts)
select 'grant', login_oid, login_name, role_name, district_code, all_districts from granted
