-- Roles of the warehouse contract and what each may touch. Repeatable: re-run on upgrade.
-- Roles are cluster-wide: created when missing, shared by every warehouse on the server,
-- and never a reason for an upgrade to fail (a user without CREATEROLE gets a notice).
do $roles$
declare
    role_name text;
begin
    foreach role_name in array array[
        'hub_owner', 'hub_loader', 'hub_reader', 'hub_steward',
        'dept_commerce', 'dept_land', 'dept_stats', 'dept_approval'
    ] loop
        if not exists (select 1 from pg_roles where rolname = role_name) then
            begin
                execute format('create role %I nologin', role_name);
            exception
                when duplicate_object or unique_violation then null;  -- another upgrade won the race
                when insufficient_privilege then
                    raise notice 'cannot create role % (needs CREATEROLE); grants to it skipped', role_name;
            end;
        end if;
    end loop;
end
$roles$;

-- Grants run only for roles that exist, each in its own guarded block.
do $grants$
declare
    reader text;
begin
    if not exists (select 1 from pg_roles where rolname = 'hub_loader') then
        return;
    end if;

    -- No one but the owner and the loader creates anything in shared or public.
    revoke create on schema public from public;
    revoke all on schema raw, staging, core, meta, ref from public;
    revoke all on all tables in schema raw, staging, core, meta, ref, shared from public;

    -- The loader runs the pipeline: it writes raw, staging, core, meta and reads ref.
    grant usage on schema raw, staging, core, meta, ref, shared to hub_loader;
    grant select, insert, update, delete on all tables in schema raw, core, meta to hub_loader;
    grant select on all tables in schema staging, ref, shared to hub_loader;
    grant usage, select on all sequences in schema raw, core, meta to hub_loader;
    grant execute on all functions in schema staging to hub_loader;

    -- Readers: shared only. Views run with their owner's rights, so no grant below shared.
    foreach reader in array array[
        'hub_reader', 'hub_steward', 'dept_commerce', 'dept_land', 'dept_stats', 'dept_approval'
    ] loop
        if exists (select 1 from pg_roles where rolname = reader) then
            execute format('grant usage on schema shared to %I', reader);
            execute format('grant select on all tables in schema shared to %I', reader);
        end if;
    end loop;

    -- Reading shared through functions: the as-of reads, and the one definition of the
    -- signing indicators that they and the view share (whoever reads a view needs EXECUTE on
    -- the functions it calls; schema core stays out of reach by name). Not granted to public.
    foreach reader in array array[
        'hub_loader', 'hub_reader', 'hub_steward', 'dept_commerce', 'dept_land', 'dept_stats',
        'dept_approval'
    ] loop
        if exists (select 1 from pg_roles where rolname = reader) then
            execute format(
                'grant execute on function shared.projects_as_of(timestamptz), '
                'shared.signing_indicators_as_of(timestamptz), '
                'core.signing_indicators_of(shared.projects[]) to %I', reader);
        end if;
    end loop;

    -- Personal data: the commerce department's role only.
    foreach reader in array array['hub_reader', 'hub_steward', 'dept_land', 'dept_stats', 'dept_approval'] loop
        if exists (select 1 from pg_roles where rolname = reader) then
            execute format('revoke select on shared.commerce_contacts from %I', reader);
        end if;
    end loop;

    -- Settling match candidates is the steward's one write.
    if exists (select 1 from pg_roles where rolname = 'hub_steward') then
        grant execute on function shared.review_candidate(bigint, text, text) to hub_steward;
    end if;

    -- BI tools and stewards see rejected records' reasons, never their payloads.
    foreach reader in array array['hub_reader', 'hub_steward'] loop
        if exists (select 1 from pg_roles where rolname = reader) then
            execute format('revoke select on shared.rejected_records from %I', reader);
            execute format(
                'grant select (source_system, entity, source_key, received_at, reasons, batch_id, '
                'resolved_at, is_resolved) on shared.rejected_records to %I', reader);
        end if;
    end loop;
end
$grants$;
