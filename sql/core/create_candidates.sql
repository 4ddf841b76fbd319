-- Per-transaction holder for the review candidates hub.resolve computed; filled by COPY.
create temporary table resolved_candidates (
    source_system text not null,
    source_key text not null,
    hub_project_id bigint not null,
    target_source_system text not null,
    target_source_key text not null,
    score numeric not null,
    evidence jsonb not null,
    primary key (source_system, source_key, hub_project_id)
) on commit drop
