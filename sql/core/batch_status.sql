-- One batch's source and status. Params: batch_id.
select batch_id, source_system, status, detail from meta.batches where batch_id = %(batch_id)s
