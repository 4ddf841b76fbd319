-- `hub dq`: batches held by a batch-level check and not released yet, oldest first.
-- Grain: one row per held batch.
select b.batch_id, b.source_system, b.started_at, b.detail, a.rows_checked
from meta.batches as b
left join meta.batch_audits as a on a.batch_id = b.batch_id
where b.status = 'held'
order by b.started_at, b.batch_id
