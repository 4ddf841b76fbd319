copy landing_buffer (source_key, content_hash, payload, context, provenance) from stdin
