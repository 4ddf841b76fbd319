-- Close a batch that landed and was audited but failed a batch-level check: it is held,
-- not merged (its records stay in raw; core and shared keep the last good data), and the
-- run bookkeeping says so and why. Merged later by `hub dq release` (release_batch.sql).
-- Params: batch_id, source_system, received, new, rejected, detail.
with batch as (
    update meta.batches
    set finished_at = now(), status = 'held', records_received = %(received)s,
        records_new = %(new)s, detail = %(detail)s
    where batch_id = %(batch_id)s
)
update meta.sync_runs
set last_status = 'held', records_last_run = %(received)s,
    rejected_last_run = %(rejected)s, detail = %(detail)s
where source_system = %(source_system)s
