-- Default privileges: what 010_roles.sql grants on today's objects, objects created later by
-- hub_owner get at once (a typed batch table that staging.type_batch makes, or a
-- table added by hand between upgrades). Every upgrade re-runs 010 as well, which covers
-- objects the upgrading user creates before 020 hands them to hub_owner. Functions are never
-- executable by PUBLIC by default: each grant of EXECUTE is deliberate. Repeatable; skipped
-- when the upgrading user cannot act as hub_owner.
do $defaults$
declare
    reader text;
begin
    if not exists (select 1 from pg_roles where rolname = 'hub_owner')
       or not exists (select 1 from pg_roles where rolname = 'hub_loader')
       or not pg_has_role(current_user, 'hub_owner', 'member') then
        return;
    end if;

    alter default privileges for role hub_owner revoke execute on functions from public;
    alter default privileges for role hub_owner in schema raw
        grant select, insert on tables to hub_loader;
    alter default privileges for role hub_owner in schema core, meta
        grant select, insert, update, delete, truncate on tables to hub_loader;
    alter default privileges for role hub_owner in schema raw, core, meta
        grant usage, select on sequences to hub_loader;
    alter default privileges for role hub_owner in schema staging, ref, shared
        grant select on tables to hub_loader;

    foreach reader in array array[
        'hub_reader', 'hub_steward', 'dept_commerce', 'dept_land', 'dept_stats', 'dept_approval'
    ] loop
        if exists (select 1 from pg_roles where rolname = reader) then
            execute format(
                'alter default privileges for role hub_owner in schema shared '
                'grant select on tables to %I', reader);
        end if;
    end loop;
end
$defaults$;
