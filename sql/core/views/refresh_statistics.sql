-- core.refresh_statistics(tables): ANALYZE the given hub tables for the pipeline.
-- Only a table's owner may ANALYZE it (PostgreSQL 15 has no MAINTAIN privilege), and the
-- pipeline's role (hub_loader) owns nothing; a plan that depends on fresh statistics must not
-- depend on who runs the sync. SECURITY DEFINER with a pinned search_path; it analyzes
-- ordinary tables of the raw, core and meta schemas and refuses anything else.
-- core.hub_table_pages(target): the pages its statistics were taken on, for an ordinary table
-- of the raw, core or meta schemas; anything else is refused (both functions below).
create or replace function core.hub_table_pages(target regclass)
returns double precision
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    pages double precision;
begin
    select c.relpages into pages
    from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
    where c.oid = target and c.relkind = 'r' and n.nspname in ('raw', 'core', 'meta');
    if not found then
        raise exception '% is not a hub table', target using errcode = 'insufficient_privilege';
    end if;
    return pages;
end
$$;

revoke all on function core.hub_table_pages(regclass) from public;

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
        perform core.hub_table_pages(target);
        execute format('analyze %s', target);
    end loop;
end
$$;

revoke all on function core.refresh_statistics(regclass[]) from public;

comment on function core.hub_table_pages(regclass) is
    '枢纽表上次统计时的页数（非枢纽表则拒绝）/ Pages a hub table''s statistics were taken on (refuses anything else)';

comment on function core.refresh_statistics(regclass[]) is
    '为流水线刷新枢纽表的统计信息（ANALYZE）/ ANALYZE hub tables on behalf of the pipeline';

-- core.refresh_statistics_if_grown(tables): ANALYZE those of the given hub tables that grew by
-- a fifth (and 10 pages) since their statistics were taken; returns the names analysed.
-- Called right after a bulk write (a merge, a rebuild of core.projects), in the writing
-- transaction: PostgreSQL's activity counters (n_mod_since_analyze) reach other sessions only
-- after the commit, and autovacuum comes later still, while the next statement already plans
-- on the statistics. A city's 15-minute increment costs a size check; a province's first load
-- gets statistics before anything joins it (issue 13: a nested-loop anti-join planned on
-- ~400 estimated rows of 111,000 ran for minutes).
create or replace function core.refresh_statistics_if_grown(variadic tables regclass[])
returns text[]
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    target regclass;
    analysed text[] := '{}';
    pages_then double precision;
    pages_now double precision;
begin
    foreach target in array tables loop
        pages_then := core.hub_table_pages(target);
        pages_now := pg_relation_size(target) / current_setting('block_size')::int;
        if pages_now >= 1.2 * pages_then + 10 then
            execute format('analyze %s', target);
            analysed := analysed || target::text;
        end if;
    end loop;
    return analysed;
end
$$;

revoke all on function core.refresh_statistics_if_grown(regclass[]) from public;

comment on function core.refresh_statistics_if_grown(regclass[]) is
    '为流水线刷新自上次统计后增长逾两成的枢纽表的统计信息，返回已分析的表 / ANALYZE the given hub tables that grew by a fifth since their statistics were taken; returns those analysed';
