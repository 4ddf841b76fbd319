-- Per-transaction holder for the links hub.resolve computed; filled by COPY.
create temporary table resolved_links (
    source_system text not null,
    source_key text not null,
    hub_project_id bigint not null,
    match_method text not null,
    match_score numeric not null,
    primary key (source_system, source_key)
) on commit drop
