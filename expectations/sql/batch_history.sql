-- The source's earlier audited batches that were merged (released ones included; held,
-- failed and still running ones are not history), newest first.
-- Params: source_system, entity, batch_id (the batch being checked), limit.
select a.batch_id, a.rows_checked, a.profile, a.full_reread
from meta.batch_audits as a
join meta.batches as b on b.batch_id = a.batch_id
where a.source_system = %(source_system)s
    and a.entity = %(entity)s
    and a.batch_id <> %(batch_id)s
    and b.status = 'merged'
order by b.started_at desc, a.batch_id desc
limit %(limit)s
