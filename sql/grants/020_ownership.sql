-- hub_owner (NOLOGIN) owns every object of the warehouse, so no login's removal orphans
-- anything and shared views run with one well-defined set of rights. Repeatable; skipped
-- with a notice when the upgrading user may not hand objects to hub_owner.
do $ownership$
declare
    item record;
begin
    if not exists (select 1 from pg_roles where rolname = 'hub_owner') then
        return;
    end if;
    if not pg_has_role(current_user, 'hub_owner', 'member') then
        begin
            grant hub_owner to current_user;
        exception when insufficient_privilege or invalid_grant_operation then
            raise notice 'current user cannot act as hub_owner; objects keep their owner';
            return;
        end;
    end if;

    for item in
        select nspname from pg_namespace
        where nspname in ('raw', 'staging', 'core', 'meta', 'ref', 'shared')
    loop
        execute format('alter schema %I owner to hub_owner', item.nspname);
    end loop;

    for item in
        select n.nspname, c.relname, c.relkind
        from pg_class as c
        join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname in ('raw', 'staging', 'core', 'meta', 'ref', 'shared')
          and c.relkind in ('r', 'v', 'm', 'S', 'p')
          and not exists (  -- sequences owned by a column follow their table
              select 1 from pg_depend as d
              where d.objid = c.oid and d.deptype in ('a', 'i') and c.relkind = 'S'
          )
    loop
        execute format(
            'alter %s %I.%I owner to hub_owner',
            case item.relkind when 'v' then 'view' when 'm' then 'materialized view'
                              when 'S' then 'sequence' else 'table' end,
            item.nspname, item.relname
        );
    end loop;

    for item in
        select p.oid::regprocedure as signature
        from pg_proc as p
        join pg_namespace as n on n.oid = p.pronamespace
        where n.nspname in ('staging', 'core', 'shared')
    loop
        execute format('alter function %s owner to hub_owner', item.signature);
    end loop;
end
$ownership$;
