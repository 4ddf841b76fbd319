-- Fresh statistics for what resolution just rewrote (publishing joins them next).
analyze core.project_links, core.hub_projects, core.match_candidates
