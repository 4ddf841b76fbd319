copy resolved_candidates (source_system, source_key, hub_project_id, target_source_system, target_source_key, score, evidence) from stdin
