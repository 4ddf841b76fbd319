-- What one publish recomputes (hub/resolve/scope.py), in temporary tables:
--   changed_keys      records possibly changed since the last publish: rows written since
--                     its snapshot, records gone, stats projects whose row count changed,
--                     approval events a new event cancels (core/find_changed_keys.sql);
--   publish_inputs    every record in scope (and the possibly changed ones) as resolution
--                     compares them, with a hash of that (core/add_publish_inputs.sql);
--   changed_records   the possibly changed records; input_changed where what resolution
--                     compares differs from the last publish's (or the record is new, or
--                     gone);
--   scope_records     the records resolution relinks: the changed ones and every record
--                     that shares a block, a code, a company, an investor, a project or a
--                     steward decision with one of them, to a fixpoint (round = when found);
--   scope_attributes  what those records share (kind: code, company, investor, project,
--                     block), with the round it was found in;
--   steward_pairs     the steward decisions as record pairs (core/steward_decisions.sql);
--   publish_scope     the hub projects whose milestones, stage and row are recomputed.
-- A full publish puts every record and every project in scope. Params: none.
create temporary table changed_keys (
    source_system text not null,
    source_key text not null,
    primary key (source_system, source_key)
) on commit drop;

create temporary table publish_inputs (
    source_system text not null,
    source_key text not null,
    project_code text,
    company_uscc text,
    company_name text,
    project_name text,
    investor_name text,
    investor_uscc text,
    district_code text,
    amount_wan numeric,
    first_on date,
    is_evidence boolean not null,
    row_count int not null,
    input_hash text not null,
    primary key (source_system, source_key)
) on commit drop;

create index on publish_inputs (project_code) where project_code is not null;
create index on publish_inputs (company_uscc) where company_uscc is not null;
create index on publish_inputs (investor_uscc) where investor_uscc is not null;

create temporary table changed_records (
    source_system text not null,
    source_key text not null,
    input_changed boolean not null,
    primary key (source_system, source_key)
) on commit drop;

create temporary table scope_records (
    source_system text not null,
    source_key text not null,
    round int not null,
    primary key (source_system, source_key)
) on commit drop;

create temporary table scope_attributes (
    kind text not null,
    value text not null,
    round int not null,
    primary key (kind, value)
) on commit drop;

create temporary table steward_pairs (
    source_system text not null,
    source_key text not null,
    target_source_system text not null,
    target_source_key text not null
) on commit drop;

create temporary table publish_scope (hub_project_id bigint primary key) on commit drop;
