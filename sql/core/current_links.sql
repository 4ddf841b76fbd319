select source_system, source_key, hub_project_id from core.project_links
