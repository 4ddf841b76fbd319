-- When a batch is merged (at once, or on release after a hold): older unresolved rejects of
-- the keys it brings a newer version of are marked resolved. The newer version need not pass:
-- one rejected in its turn replaces the older one too, its own reject (open) then the key's
-- only one. Resolving only on a passing version (as before) left the replaced version's reject
-- open beside it — two open rejects for one record, which one clean sync, never seeing the
-- older version, does not give (found by the soak, tests/faults/test_soak.py, seed 7).
-- Reads {typed_batch}, the batch typed (analysed when typed); the audit analyses
-- meta.rejects after adding a batch's rejects. Both matter: planned on the raw table's and
-- meta.rejects' stale statistics (2,226 and 1 rows expected, 100,000 and 2,889 there), a join
-- of the two was a nested loop, 284 million comparisons and 22 s at 100k records.
-- Params: source_system, entity.
with newest as (
    select b.source_key, max(b.raw_id) as raw_id
    from {typed_batch} as b
    where b.source_key is not null
    group by b.source_key
)
update meta.rejects as old
set resolved_at = now()
from newest as p
where old.source_system = %(source_system)s
    and old.entity = %(entity)s
    and old.resolved_at is null
    and old.source_key = p.source_key
    and old.raw_id < p.raw_id;
