-- Fresh statistics for what resolution just rewrote (publishing joins them next).
select core.refresh_statistics('core.project_links', 'core.hub_projects', 'core.match_candidates')
