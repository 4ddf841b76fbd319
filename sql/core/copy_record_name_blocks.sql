copy record_name_blocks (source_system, source_key, name_blocks) from stdin
