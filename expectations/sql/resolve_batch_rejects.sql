-- When a batch is merged (at once, or on release after a hold): older unresolved rejects of
-- the keys it brings in a passing version are marked resolved. "Passing" = not rejected in
-- this batch (meta.rejects).
-- Reads {typed_batch}, the batch typed (analysed when typed); the audit analyses
-- meta.rejects after adding a batch's rejects. Both matter: planned on the raw table's and
-- meta.rejects' stale statistics (2,226 and 1 rows expected, 100,000 and 2,889 there), the
-- anti-join below was a nested loop, 284 million comparisons and 22 s at 100k records.
-- Params: source_system, entity.
with passing as (
    select b.source_key, max(b.raw_id) as raw_id
    from {typed_batch} as b
    where b.source_key is not null
        and not exists (
            select 1 from meta.rejects as f
            where f.source_system = %(source_system)s
                and f.entity = %(entity)s
                and f.raw_id = b.raw_id
        )
    group by b.source_key
)
update meta.rejects as old
set resolved_at = now()
from passing as p
where old.source_system = %(source_system)s
    and old.entity = %(entity)s
    and old.resolved_at is null
    and old.source_key = p.source_key
    and old.raw_id < p.raw_id;
