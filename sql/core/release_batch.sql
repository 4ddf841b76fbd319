-- A held batch was merged after review (`hub dq release`): the batch is merged, its audit
-- records who released it, and the source's run bookkeeping is 'ok' again unless another
-- batch of it is still held. Params: batch_id, released_by, note.
with batch as (
    update meta.batches
    set status = 'merged',
        detail = concat_ws('; ', detail, 'released by ' || %(released_by)s || ' at ' || now())
    where batch_id = %(batch_id)s and status = 'held'
    returning batch_id, source_system
),
audit as (
    update meta.batch_audits
    set released_at = now(), released_by = %(released_by)s, release_note = %(note)s
    where batch_id = %(batch_id)s
)
update meta.sync_runs as r
set last_status = 'ok', last_success_at = now(),
    detail = 'released held batch ' || batch.batch_id || ' (by ' || %(released_by)s || ')'
from batch
where r.source_system = batch.source_system
    and r.last_status = 'held'
    and not exists (
        select 1 from meta.batches as other
        where other.source_system = batch.source_system
            and other.status = 'held'
            and other.batch_id <> batch.batch_id
    )
