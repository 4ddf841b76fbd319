-- Close a batch that landed, was audited and merged; record the run's figures.
-- Params: batch_id, source_system, received, new, rejected, detail.
with batch as (
    update meta.batches
    set finished_at = now(), status = 'merged', records_received = %(received)s,
        records_new = %(new)s, detail = %(detail)s
    where batch_id = %(batch_id)s
)
update meta.sync_runs
set last_success_at = now(), last_status = 'ok', records_last_run = %(received)s,
    rejected_last_run = %(rejected)s, detail = %(detail)s
where source_system = %(source_system)s
