-- The typed batch: one landed batch's rows, typed once through its staging view, into an
-- unlogged table meta.typed__<batch id> that the audit (expectations/runner.py: GX reads it
-- from its own connections) and the merge (sql/core/merge_<dept>.sql, as {batch}) both
-- read. It lives until the batch is merged or released; meta.typed_batches records it.
--
-- staging.type_batch returns the batch's table, typing it only when there is none that can
-- be trusted: none yet, dropped, or typed before the server last started (a crash empties
-- an unlogged table; a clean restart does not, but telling them apart is not worth a
-- wrong merge). CREATE TABLE AS lets PostgreSQL type in parallel; ANALYZE gives the
-- audit's and the merge's plans real row counts.
--
-- SECURITY DEFINER: the pipeline's role (hub_loader) writes meta but may not create tables;
-- these functions create and drop exactly these tables for it, nothing else. Inputs are
-- checked before any SQL is built; names are quoted with format(%I / %L).
-- Repeatable file (create or replace). The views are looked up when a batch is typed.

drop function if exists staging.create_audit_table(text, text, text[]);
drop function if exists staging.drop_audit_table(text);

create or replace function staging.typed_batch_table(batch_id text)
returns text
language sql
immutable
strict
set search_path = pg_catalog
as $$
    select case
        when length('typed__' || lower(translate(batch_id, '-', '_'))) <= 63
            then 'typed__' || lower(translate(batch_id, '-', '_'))
        else 'typed__' || md5(batch_id)
    end
$$;

comment on function staging.typed_batch_table(text) is
    '批次的类型化表名（meta 模式下）/ Name of a batch''s typed table (in schema meta)';

create or replace function staging.type_batch(
    source_entity text,
    batch_id text,
    out table_name text,
    out row_count bigint,
    out typed_now boolean
)
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    view regclass;
    known meta.typed_batches;
    started timestamptz := clock_timestamp();
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
    table_name := staging.typed_batch_table(batch_id);

    select t.* into known from meta.typed_batches as t where t.batch_id = type_batch.batch_id;
    if found and known.dropped_at is null
       and known.typed_at >= pg_postmaster_start_time()
       and to_regclass(format('meta.%I', table_name)) is not null then
        row_count := known.row_count;
        typed_now := false;
        return;
    end if;

    execute format('drop table if exists meta.%I', table_name);
    execute format(
        'create unlogged table meta.%I as select * from %s where batch_id = %L',
        table_name, view, batch_id
    );
    get diagnostics row_count = row_count;
    execute format('analyze meta.%I', table_name);
    if exists (select 1 from pg_roles where rolname = 'hub_loader') then
        execute format('grant select on meta.%I to hub_loader', table_name);
    end if;
    insert into meta.typed_batches as t (
        batch_id, source_system, entity, table_name, row_count, typed_at, typing_seconds
    )
    values (
        type_batch.batch_id, split_part(source_entity, '__', 1),
        split_part(source_entity, '__', 2), table_name, row_count, clock_timestamp(),
        extract(epoch from clock_timestamp() - started)
    )
    on conflict on constraint typed_batches_pkey do update set
        table_name = excluded.table_name,
        row_count = excluded.row_count,
        typed_at = excluded.typed_at,
        typing_seconds = excluded.typing_seconds,
        times_typed = t.times_typed + 1,
        dropped_at = null;
    typed_now := true;
end
$$;

comment on function staging.type_batch(text, text) is
    '返回批次的类型化表（meta.typed__<批次>），无可信表时经暂存视图类型化一次 / The typed table of a batch (meta.typed__<batch>), typed through the staging view when there is none to trust';

create or replace function staging.drop_typed_batch(batch_id text)
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if batch_id !~ '^[a-z]+-[0-9TZ-]+-[0-9a-f]+$' then
        raise exception 'batch id % is not a hub batch id', batch_id;
    end if;
    execute format('drop table if exists meta.%I', staging.typed_batch_table(batch_id));
    update meta.typed_batches as t
    set dropped_at = clock_timestamp()
    where t.batch_id = drop_typed_batch.batch_id and t.dropped_at is null;
end
$$;

comment on function staging.drop_typed_batch(text) is
    '删除批次的类型化表（合并或放行后）/ Drop a batch''s typed table (once merged or released)';

create or replace function staging.drop_typed_batches()
returns integer
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    batch text;
    dropped integer := 0;
begin
    for batch in select t.batch_id from meta.typed_batches as t where t.dropped_at is null loop
        perform staging.drop_typed_batch(batch);
        dropped := dropped + 1;
    end loop;
    return dropped;
end
$$;

comment on function staging.drop_typed_batches() is
    '删除全部类型化批次表（暂存视图变更后由升级调用，下次使用时重新类型化）/ Drop every typed batch table (an upgrade that changed the staging views calls it; each is typed again when next used)';

revoke execute on function staging.type_batch(text, text) from public;
revoke execute on function staging.drop_typed_batch(text) from public;
revoke execute on function staging.drop_typed_batches() from public;
