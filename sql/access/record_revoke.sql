-- Drop the login's grant in this warehouse and log the revoke. Params: login_oid, login.
with revoked as (
    delete from meta.access_grants where login_oid = %(login_oid)s returning *
)
insert into meta.access_log
    (action, login_oid, login_name, role_name, district_code, all_districts)
select 'revoke', %(login_oid)s, %(login)s, r.role_name, r.district_code, r.all_districts
from (select 1) as one
left join revoked as r on true
