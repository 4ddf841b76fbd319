-- Access that fails closed (issue 11). meta.access_scopes said "a login with no row sees every
-- district" and keyed scope by role name, so renaming a login, or a name PostgreSQL cut at
-- 63 bytes, lost the scope. meta.access_grants replaces it: one row per login granted in this
-- warehouse, keyed by the role's OID (which a rename keeps), with "all districts" an explicit
-- value. A login without a row sees nothing (core.reader_scope). meta.access_log keeps every
-- grant and revoke. meta.rejects gains the district its payload names, so rejected records
-- can be scoped like the projects they would have fed.

create table meta.access_grants (
    login_oid oid primary key,
    login_name text not null,
    role_name text not null,
    district_code text,
    all_districts boolean not null,
    granted_at timestamptz not null default now(),
    granted_by text not null default session_user,
    constraint one_scope check (all_districts = (district_code is null))
);

comment on table meta.access_grants is
    '本库授予的登录及其角色与区划范围（按角色 OID，改名不失效；无记录即无权）/ Logins granted in this warehouse, with role and district scope (keyed by role OID, so a rename keeps it; no row = no access)';
comment on column meta.access_grants.login_oid is '登录角色的 OID / OID of the login role';
comment on column meta.access_grants.login_name is '授权时的登录名 / Login name when granted';
comment on column meta.access_grants.role_name is '授予的枢纽角色 / Hub role granted';
comment on column meta.access_grants.district_code is '限定的区划代码，全部区划时为空 / District the login is limited to; null when all districts';
comment on column meta.access_grants.all_districts is '是否明确授予全部区划 / Whether all districts were granted explicitly';
comment on column meta.access_grants.granted_at is '授权时间 / When granted';
comment on column meta.access_grants.granted_by is '授权人（会话用户）/ Who granted it (session user)';

create table meta.access_log (
    log_id bigint generated always as identity primary key,
    logged_at timestamptz not null default now(),
    action text not null check (action in ('grant', 'revoke')),
    login_oid oid not null,
    login_name text not null,
    role_name text,
    district_code text,
    all_districts boolean,
    actor text not null default session_user
);

comment on table meta.access_log is
    '授权与撤销记录：每次操作一行 / Every grant and revoke: one row per action';
comment on column meta.access_log.log_id is '记录编号 / Log entry id';
comment on column meta.access_log.logged_at is '操作时间 / When it happened';
comment on column meta.access_log.action is '操作：grant 或 revoke / grant or revoke';
comment on column meta.access_log.login_oid is '登录角色的 OID / OID of the login role';
comment on column meta.access_log.login_name is '操作时的登录名 / Login name at the time';
comment on column meta.access_log.role_name is '授予的枢纽角色（撤销时为原角色）/ Hub role granted (on revoke: the role it held)';
comment on column meta.access_log.district_code is '限定的区划代码 / District scope granted';
comment on column meta.access_log.all_districts is '是否全部区划 / Whether all districts';
comment on column meta.access_log.actor is '操作人（会话用户）/ Who did it (session user)';

-- A login scoped before this migration keeps its scope (now keyed by OID) and may still
-- connect once CONNECT is no longer open to PUBLIC. A login that had no scope row saw every
-- district by default; that default is gone, so it must be granted again, explicitly.
do $carry_over$
declare
    item record;
    unscoped text;
begin
    for item in
        select r.oid as login_oid, s.login, s.district_code, s.granted_at,
               (select g.rolname from pg_auth_members as m join pg_roles as g on g.oid = m.roleid
                where m.member = r.oid
                  and g.rolname in ('hub_loader', 'hub_reader', 'hub_steward', 'dept_commerce',
                                    'dept_land', 'dept_stats', 'dept_approval')
                order by g.rolname limit 1) as role_name
        from meta.access_scopes as s
        join pg_roles as r on r.rolname = s.login
    loop
        continue when item.role_name is null;
        insert into meta.access_grants
            (login_oid, login_name, role_name, district_code, all_districts, granted_at, granted_by)
        values (item.login_oid, item.login, item.role_name, item.district_code, false,
                item.granted_at, 'migration 0010')
        on conflict (login_oid) do nothing;
        insert into meta.access_log
            (action, login_oid, login_name, role_name, district_code, all_districts, actor)
        values ('grant', item.login_oid, item.login, item.role_name, item.district_code, false,
                'migration 0010');
        execute format('grant connect on database %I to %I', current_database(), item.login);
    end loop;

    select string_agg(distinct r.rolname, ', ' order by r.rolname) into unscoped
    from pg_auth_members as m
    join pg_roles as g on g.oid = m.roleid
    join pg_roles as r on r.oid = m.member
    where r.rolcanlogin
      and g.rolname in ('hub_reader', 'hub_steward', 'dept_commerce', 'dept_land', 'dept_stats',
                        'dept_approval')
      and not exists (select 1 from meta.access_grants as a where a.login_oid = r.oid);
    -- Roles are the server's, so these may belong to another warehouse; a warehouse that never
    -- synced had no one to lose.
    if unscoped is not null and exists (select 1 from meta.sync_runs) then
        raise notice 'logins with a hub role on this server and no grant in this warehouse: %; '
            'any of them that used this warehouse now sees nothing until re-granted with '
            '`hub access grant LOGIN ROLE --all-districts` (or --district CODE)', unscoped;
    end if;
end
$carry_over$;

-- core.reader_scope read meta.access_scopes. Its new definition (sql/core/views/
-- reader_scope.sql) names its flag all_districts. The shared views' old text reads that flag
-- as "is scoped" until the same upgrade re-installs them, so meanwhile the flag is true and
-- the districts empty: in that window every view shows nothing, to anyone.
do $old_scope$
begin
    if to_regclass('core.reader_scope') is not null then
        alter view core.reader_scope rename column is_scoped to all_districts;
        create or replace view core.reader_scope as
        select true as all_districts, '{}'::text[] as districts;
    end if;
end
$old_scope$;

drop table meta.access_scopes;

-- The district a source payload names, as a code of ref.districts (no row's value when it
-- names none the hub knows): commerce, approval and stats send a code, land a name or an
-- alias, read as staging.stg_land__parcels reads it (normalize_name is name_key's twin). A
-- table function, so a LATERAL join inlines it: set-based, about 3x faster than a scalar
-- function over 100k payloads. Kept beside the reject so scoping it needs no parsing.
create function core.payload_district(source_system text, payload jsonb)
returns table (district_code text)
language sql
stable
as $$
    select case when payload_district.source_system = 'land'
                then coalesce(by_name.district_code, by_alias.district_code)
                else by_code.district_code end
    from (
        select staging.normalize_name(payload_district.payload ->> '行政区划') as name_key,
               btrim(payload_district.payload ->> 'district_code') as code
    ) as k
    left join ref.districts as by_name
        on payload_district.source_system = 'land' and by_name.district_name = k.name_key
    left join ref.district_aliases as by_alias
        on payload_district.source_system = 'land' and by_alias.alias = k.name_key
    left join ref.districts as by_code
        on payload_district.source_system <> 'land' and by_code.district_code = k.code
$$;

comment on function core.payload_district(text, jsonb) is
    '源记录载荷所属区划代码（无法识别时为空）/ District code a source payload names (null when unknown)';

alter table meta.rejects add column district_code text;

comment on column meta.rejects.district_code is
    '载荷所属区划代码（按区划限定可见范围；无法识别时仅全区用户可见）/ District the payload names (scopes who sees the reject; null = all-district logins only)';

update meta.rejects as r
set district_code = (select d.district_code from core.payload_district(r.source_system, r.payload) as d);
