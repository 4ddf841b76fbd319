-- Close a batch whose department could not be read; earlier data stays as it was.
-- Params: batch_id, source_system, detail.
with batch as (
    update meta.batches set finished_at = now(), status = 'failed', detail = %(detail)s
    where batch_id = %(batch_id)s
)
update meta.sync_runs set last_status = 'failed', detail = %(detail)s
where source_system = %(source_system)s
