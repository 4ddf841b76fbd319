-- Batches of a source that committed records to raw but were never audited and merged:
-- their sync was killed ('running' while nobody holds the source lock) or lost its source
-- mid-stream ('failed'). Oldest first, so newer versions are merged last.
-- Grain: one row per such batch, with how many raw rows it holds.
-- Params: source_system, batch_id (the caller's own, excluded). Identifier: raw_table.
select b.batch_id, r.records
from meta.batches as b
cross join lateral (
    select count(*) as records from {raw_table} as raw where raw.batch_id = b.batch_id
) as r
where b.source_system = %(source_system)s
  and b.status in ('running', 'failed')
  and b.batch_id <> %(batch_id)s
  and r.records > 0
order by b.started_at, b.batch_id
