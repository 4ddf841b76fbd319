copy project_lifecycle (
    hub_project_id, stage, stage_zh, negotiating_on, signed_on, landed_on,
    construction_started_on, stats_included_month, production_on, terminated_on,
    terminated_overruled
) from stdin
