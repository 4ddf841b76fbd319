-- A source's held batches other than the given one. Params: source_system, batch_id.
select batch_id from meta.batches
where source_system = %(source_system)s and status = 'held' and batch_id <> %(batch_id)s
order by started_at
