-- What one publish recomputes (hub/resolve/scope.py), in temporary tables:
--   changed_records   current or last-published records whose hashes differ (or that are
--                     new, or gone) since the last publish (meta.published_records);
--   scope_records     the records resolution relinks: the changed ones and every record
--                     that shares a block, a code, a company, an investor, a project or a
--                     steward decision with one of them, to a fixpoint (round = when found);
--   scope_attributes  what those records share (kind: code, company, investor, project,
--                     block), with the round it was found in;
--   steward_pairs     the steward decisions as record pairs (core/steward_decisions.sql);
--   publish_scope     the hub projects whose milestones, stage and row are recomputed.
-- A full publish puts every record and every project in scope. Params: none.
create temporary table changed_records on commit drop as
select
    coalesce(i.source_system, p.source_system) as source_system,
    coalesce(i.source_key, p.source_key) as source_key,
    i.input_hash is distinct from p.input_hash as input_changed
from publish_inputs as i
full join meta.published_records as p
    on p.source_system = i.source_system and p.source_key = i.source_key
where i.input_hash is distinct from p.input_hash or i.row_hash is distinct from p.row_hash;

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
