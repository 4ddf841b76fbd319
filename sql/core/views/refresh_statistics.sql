-- core.refresh_statistics(tables): ANALYZE the given hub tables for the pipeline.
-- Only a table's owner may ANALYZE it (PostgreSQL 15 has no MAINTAIN privilege), and the
-- pipeline's role (hub_loader) owns nothing; a plan that depends on fresh statistics must not
-- depend on who runs the sync. SECURITY DEFINER with a pinned search_path; it analyzes
-- ordinary tables of the raw, core and meta schemas and refuses anything else.
create or replace function core.refresh_statistics(variadic tables regclass[])
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    target regclass;
begin
    foreach target in array tables loop
        if not exists (
            select 1 from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
            where c.oid = target and c.relkind = 'r' and n.nspname in ('raw', 'core', 'meta')
        ) then
            raise exception '% is not a hub table', target using errcode = 'insufficient_privilege';
        end if;
        execute format('analyze %s', target);
    end loop;
end
$$;

revoke all on function core.refresh_statistics(regclass[]) from public;

comment on function core.refresh_statistics(regclass[]) is
    '为流水线刷新枢纽表的统计信息（ANALYZE）/ ANALYZE hub tables on behalf of the pipeline';
