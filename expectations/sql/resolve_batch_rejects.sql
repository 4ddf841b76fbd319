-- When a batch is merged (at once, or on release after a hold): older unresolved rejects of
-- the keys it brings in a passing version are marked resolved. "Passing" = not rejected in
-- this batch (meta.rejects).
-- The raw table's name is composed by the caller with psycopg.sql.Identifier.
-- Params: source_system, entity, batch_id.
with passing as (
    select r.source_key, max(r.raw_id) as raw_id
    from {raw_table} as r
    where r.batch_id = %(batch_id)s
        and r.source_key is not null
        and not exists (
            select 1 from meta.rejects as f
            where f.source_system = %(source_system)s
                and f.entity = %(entity)s
                and f.raw_id = r.raw_id
        )
    group by r.source_key
)
update meta.rejects as old
set resolved_at = now()
from passing as p
where old.source_system = %(source_system)s
    and old.entity = %(entity)s
    and old.resolved_at is null
    and old.source_key = p.source_key
    and old.raw_id < p.raw_id;
