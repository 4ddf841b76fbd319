-- Per-transaction holder for the name blocks of each resolved record's entity; filled by COPY.
create temporary table record_name_blocks (
    source_system text not null,
    source_key text not null,
    name_blocks int[] not null
) on commit drop
