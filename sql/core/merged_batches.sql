-- Batches that were merged into core, in the order they were, for a rebuild from raw.
select batch_id from meta.batches
where source_system = %(source_system)s and status = 'merged'
order by started_at, batch_id
