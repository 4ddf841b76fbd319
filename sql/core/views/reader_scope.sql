-- core.reader_scope: the districts the connected login may see. One row.
-- The scope belongs to the login that connected (session_user): SET ROLE does not change it,
-- and neither does a SECURITY DEFINER function, so shared.review_candidate checks the same
-- scope as the views. It is read from meta.access_grants by the role's OID, so renaming a
-- login keeps it. It fails closed: a login without a grant row in this warehouse sees no
-- district, and "all districts" is a grant of its own. The one exception is a login that may
-- read core.projects directly (the owner, the loader, a superuser): a scope could not hold it,
-- so none is pretended (reads_core says so). Scoped views cross join this and keep rows where all_districts or the
-- row's district is in districts (they are security_barrier, so no reader predicate runs
-- before that filter).
create or replace view core.reader_scope as
with login as (
    select has_table_privilege(session_user, 'core.projects'::regclass, 'select') as reads_core
),
login_grant as (
    select g.all_districts, g.district_code
    from meta.access_grants as g
    where g.login_oid = (select r.oid from pg_roles as r where r.rolname = session_user)
)
select
    login.reads_core
        or coalesce((select bool_or(all_districts) from login_grant), false) as all_districts,
    coalesce(
        (select array_agg(district_code order by district_code)
         from login_grant where district_code is not null),
        '{}'
    ) as districts,
    login.reads_core
from login;
comment on view core.reader_scope is
    '当前登录可见的区划（无授权即无）/ Districts the connected login may see (none without a grant)';
