copy steward_pairs (source_system, source_key, target_source_system, target_source_key) from stdin
