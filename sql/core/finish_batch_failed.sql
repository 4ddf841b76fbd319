-- Close a batch whose ingest failed (its department could not be read, or anything else went
-- wrong); earlier data stays as it was. Only a batch still 'running' is closed: one already
-- merged or held keeps its status, and so does the department's sync status.
-- Params: batch_id, source_system, detail (one line, redacted: hub.errors.one_line).
with batch as (
    update meta.batches set finished_at = now(), status = 'failed', detail = %(detail)s
    where batch_id = %(batch_id)s and status = 'running'
    returning batch_id
)
update meta.sync_runs set last_status = 'failed', detail = %(detail)s
where source_system = %(source_system)s and exists (select from batch)
