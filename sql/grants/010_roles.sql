-- Roles of the warehouse contract and what each may touch. Repeatable: re-run on upgrade.
-- Roles are cluster-wide: created when missing, shared by every warehouse on the server,
-- and never a reason for an upgrade to fail (a user without CREATEROLE gets a notice). So
-- nothing here grants a group role a right on the database itself (CONNECT would let every
-- member of it into every hub warehouse on the server): `hub access grant` gives CONNECT to
-- each login, in its own warehouse. docs/security.md explains the whole design.
do $roles$
declare
    role_name text;
begin
    foreach role_name in array array[
        'hub_owner', 'hub_loader', 'hub_reader', 'hub_steward',
        'dept_commerce', 'dept_land', 'dept_stats', 'dept_approval', 'hub_auditor'
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

-- Object audit of personal data (pgaudit.role = hub_auditor): only where the server preloads
-- pgaudit, as the docker-compose warehouse does. Elsewhere docs/security.md says what to do.
do $audit$
begin
    if current_setting('shared_preload_libraries') ~ '\mpgaudit\M'
       and exists (select 1 from pg_available_extensions where name = 'pgaudit') then
        create extension if not exists pgaudit;
    end if;
exception when insufficient_privilege then
    raise notice 'pgaudit is preloaded but the upgrading user may not create the extension';
end
$audit$;

-- Grants run only for roles that exist, each in its own guarded block.
do $grants$
declare
    reader text;
begin
    if not exists (select 1 from pg_roles where rolname = 'hub_loader') then
        return;
    end if;

    -- The database itself is sealed by sql/warehouse/seal_database.sql, at every upgrade.

    -- No one but the owner creates anything in shared or public.
    revoke create on schema public from public;
    revoke all on schema raw, staging, core, meta, ref from public;
    revoke all on all tables in schema raw, staging, core, meta, ref, shared from public;
    revoke all on all functions in schema staging, core, shared from public;

    -- The loader runs the pipeline. raw is append-only to it: it lands new versions and never
    -- changes or deletes one. It writes core and meta, except what a person decides (steward
    -- decisions, access grants) and the upgrade's own records.
    grant usage on schema raw, staging, core, meta, ref, shared to hub_loader;
    revoke update, delete, truncate on all tables in schema raw from hub_loader;
    grant select, insert on all tables in schema raw to hub_loader;
    grant select, insert, update, delete, truncate on all tables in schema core, meta to hub_loader;
    revoke insert, update, delete, truncate on core.steward_decisions, meta.schema_migrations,
        meta.schema_repeatables from hub_loader;
    revoke all on meta.access_grants, meta.access_log from hub_loader;
    grant select on all tables in schema staging, ref, shared to hub_loader;
    grant usage, select on all sequences in schema raw, core, meta to hub_loader;
    grant execute on all functions in schema staging to hub_loader;
    grant execute on function core.refresh_statistics(regclass[]),
        core.refresh_statistics_if_grown(regclass[]),
        core.payload_district(text, jsonb) to hub_loader;

    -- Readers: shared only. Views run with their owner's rights, so no grant below shared.
    foreach reader in array array[
        'hub_reader', 'hub_steward', 'dept_commerce', 'dept_land', 'dept_stats', 'dept_approval'
    ] loop
        if exists (select 1 from pg_roles where rolname = reader) then
            execute format('grant usage on schema shared to %I', reader);
            execute format('grant select on all tables in schema shared to %I', reader);
        end if;
    end loop;

    -- Reading shared through functions: the as-of reads (shared.stalled_projects calls its
    -- as-of function), the one definition of the signing
    -- indicators that they and the view share, the report periods land_quota_usage cuts, and
    -- core.date_key, the dim_date keys of the star's views
    -- (whoever reads a view needs EXECUTE on the functions it calls; schema core stays out of
    -- reach by name). Not granted to public.
    foreach reader in array array[
        'hub_loader', 'hub_reader', 'hub_steward', 'dept_commerce', 'dept_land', 'dept_stats',
        'dept_approval'
    ] loop
        if exists (select 1 from pg_roles where rolname = reader) then
            execute format(
                'grant execute on function shared.projects_as_of(timestamptz), '
                'shared.signing_indicators_as_of(timestamptz), '
                'shared.stalled_projects_as_of(date), '
                'core.signing_indicators_of(shared.projects[]), core.report_periods(date[]), '
                'core.date_key(date) '
                'to %I', reader);
        end if;
    end loop;

    -- Personal data: the commerce department's role only.
    foreach reader in array array[
        'hub_loader', 'hub_reader', 'hub_steward', 'dept_land', 'dept_stats', 'dept_approval'
    ] loop
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
                'resolved_at, is_resolved, district_code) on shared.rejected_records to %I', reader);
        end if;
    end loop;

    -- pgaudit's object audit logs every statement that reads what hub_auditor may read: the
    -- relations holding personal data. No one is a member of hub_auditor.
    if exists (select 1 from pg_roles where rolname = 'hub_auditor') then
        grant usage on schema shared to hub_auditor;
        grant select on shared.commerce_contacts, shared.rejected_records to hub_auditor;
    end if;
end
$grants$;
