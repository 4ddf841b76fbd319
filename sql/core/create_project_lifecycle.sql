-- Per-transaction holder for the stages hub.lifecycle derives; filled by COPY.
create temporary table project_lifecycle (
    hub_project_id bigint primary key,
    stage text not null,
    stage_zh text not null,
    negotiating_on date,
    signed_on date,
    landed_on date,
    construction_started_on date,
    stats_included_month date,
    production_on date,
    terminated_on date,
    terminated_overruled boolean not null
) on commit drop
