copy resolved_links (source_system, source_key, hub_project_id, match_method, match_score) from stdin
