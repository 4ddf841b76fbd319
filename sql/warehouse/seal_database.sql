-- Every `hub db upgrade` (hub/warehouse/migrations.py), once the grant files are in place: the
-- database itself sealed — no one connects or makes temporary objects (a place to plant a
-- function that shadows a built-in) unless granted — and CONNECT for each login that
-- `hub access grant` recorded. Privileges on a database are not in a pg_dump of it, and the
-- grant files do not run again on a restored copy (its meta.schema_repeatables says they ran),
-- so this runs every time: a restored warehouse is sealed by its first upgrade.
-- Logins are matched by OID: on another server they match none (fail closed) until re-granted.
do $seal$
declare
    login text;
begin
    if not exists (select 1 from pg_roles where rolname = 'hub_loader') then
        return;
    end if;
    execute format('revoke all on database %I from public', current_database());
    execute format('grant temporary on database %I to hub_loader', current_database());
    for login in
        select r.rolname from meta.access_grants as g join pg_roles as r on r.oid = g.login_oid
    loop
        execute format('grant connect on database %I to %I', current_database(), login);
    end loop;
end
$seal$
