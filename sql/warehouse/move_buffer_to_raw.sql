-- Move buffered records into one raw table. A version (source_key, content_hash) already
-- landed is skipped, so re-reads and retries never double a record. Params: batch_id.
with moved as (
    delete from landing_buffer returning *
)
insert into {raw_table} (batch_id, received_at, source_key, content_hash, payload, context, provenance)
select %(batch_id)s, now(), source_key, content_hash, payload, context, provenance
from moved
on conflict (source_key, content_hash) do nothing
