-- Per-session staging area for COPY; emptied after every move into raw.
create temporary table if not exists landing_buffer (
    source_key text,
    content_hash text not null,
    payload jsonb not null,
    context jsonb not null,
    provenance jsonb not null
) on commit delete rows
