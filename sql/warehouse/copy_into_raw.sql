-- Fast path: COPY a segment straight into one raw table (its unique index refuses a version
-- already landed; landing.py then falls back to copy_landing_buffer + move_buffer_to_raw).
copy {raw_table} (batch_id, received_at, source_key, content_hash, payload, context, provenance) from stdin
