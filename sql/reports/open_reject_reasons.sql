-- Open rejects with where they were read, to check a sandbox's hostile records against
-- (hub demo --hostile). Grain: one row per open reject. A land row without a key is told by
-- its file and line.
select
    source_system,
    source_key,
    provenance ->> 'file' as file_name,
    (provenance ->> 'line')::int as line_no,
    reasons
from meta.rejects
where resolved_at is null
