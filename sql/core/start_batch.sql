-- Open a landing batch and note the attempt in the run bookkeeping.
-- Params: batch_id, source_system.
with batch as (
    insert into meta.batches (batch_id, source_system) values (%(batch_id)s, %(source_system)s)
)
insert into meta.sync_runs (source_system, last_attempt_at, last_status)
values (%(source_system)s, now(), 'running')
on conflict (source_system) do update set last_attempt_at = now(), last_status = 'running'
