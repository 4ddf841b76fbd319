-- The batch audit's per-batch tables (expectations/runner.py): meta.audit__<batch id> holds
-- one landed batch's rows, typed by its staging view, while the batch is audited, so the
-- suite's checks (GX from its own connections, and the runner's SQL) read plain columns
-- instead of re-parsing every raw payload once per expectation. Created with CREATE TABLE
-- AS (PostgreSQL may run the typing in parallel), unlogged, dropped when the audit ends.
--
-- SECURITY DEFINER: the pipeline's role (hub_loader) writes meta but may not create tables;
-- these two functions create and drop exactly these tables for it, nothing else. Inputs
-- are checked before any SQL is built; names are quoted with format(%I / %L).
-- Only the columns the audit reads are copied (and so computed): the runner names them.
-- Repeatable file (create or replace). The views are looked up when a table is created.

drop function if exists staging.create_audit_table(text, text, text[]);

create or replace function staging.create_audit_table(
    source_entity text, batch_id text, columns text[], out table_name text, out row_count bigint
)
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    view regclass;
    known int;
begin
    if source_entity !~ '^[a-z]+__[a-z]+$' then
        raise exception 'no staging view for %', source_entity;
    end if;
    view := to_regclass(format('staging.%I', 'stg_' || source_entity));
    if view is null then
        raise exception 'no staging view for %', source_entity;
    end if;
    if batch_id !~ '^[a-z]+-[0-9TZ-]+-[0-9a-f]+$' then
        raise exception 'batch id % is not a hub batch id', batch_id;
    end if;
    select count(*) into known
    from pg_attribute
    where attrelid = view and attnum > 0 and not attisdropped and attname = any(columns);
    if coalesce(cardinality(columns), 0) = 0 or known <> cardinality(columns) then
        raise exception 'columns % are not all columns of %', columns, view;
    end if;
    table_name := 'audit__' || lower(translate(batch_id, '-', '_'));
    if length(table_name) > 63 then
        table_name := 'audit__' || md5(batch_id);
    end if;
    execute format('drop table if exists meta.%I', table_name);
    execute format(
        'create unlogged table meta.%I as select %s from %s where batch_id = %L',
        table_name,
        (select string_agg(format('%I', c), ', ' order by ordinality)
         from unnest(columns) with ordinality as c),
        view,
        batch_id
    );
    get diagnostics row_count = row_count;
    if exists (select 1 from pg_roles where rolname = 'hub_loader') then
        execute format('grant select on meta.%I to hub_loader', table_name);
    end if;
end
$$;

comment on function staging.create_audit_table(text, text, text[]) is
    '为审计中的批次建立类型化工作表 meta.audit__<批次>（只含审计读取的列），返回表名与行数 / Create meta.audit__<batch>: the given columns of one batch, typed, while it is audited; returns its name and row count';

create or replace function staging.drop_audit_table(table_name text)
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if table_name !~ '^audit__[a-z0-9_]+$' then
        raise exception '% is not a batch audit table', table_name;
    end if;
    execute format('drop table if exists meta.%I', table_name);
end
$$;

comment on function staging.drop_audit_table(text) is
    '删除批次审计工作表 / Drop a batch audit table meta.audit__<batch>';

revoke execute on function staging.create_audit_table(text, text, text[]) from public;
revoke execute on function staging.drop_audit_table(text) from public;
