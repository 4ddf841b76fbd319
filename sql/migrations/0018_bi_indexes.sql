-- Indexes for the BI reads of schema shared (issue 15, "BI queries are fast"). Each one is
-- here because a plan in bench/results/s8-bi-1m-*.plan.txt (bench/bi_queries.py, about 1M
-- source records) uses it; core.project_milestones' primary key leads with hub_project_id,
-- so "milestones by project" needs nothing new.
--
-- core.projects (district_code, stage) include (signed_investment_wan): the star's usual
-- questions — projects and signed investment by district and stage (fact_project ⋈
-- dim_district ⋈ dim_stage), one district's projects by stage — read only these columns,
-- so they are answered by an index-only scan of a few MB instead of the ~150 MB heap
-- (core.projects carries provenance jsonb): 194 → ~110 ms for the star group-by. Index-only
-- needs the visibility map, which autovacuum sets after a publish; until it has, the planner
-- picks the heap scan it used before.
create index if not exists projects_district_stage_ix
    on core.projects (district_code, stage) include (signed_investment_wan);
--
-- core.projects (signed_on): the per-grain signing indicator views
-- (sql/shared/250-260) generate candidate periods from min/max(signed_on) — two index probes
-- instead of two scans — and hand each period's function call only the projects signed in
-- that period and the same period a year before (a bitmap index scan instead of a scan of
-- every project).
create index if not exists projects_signed_on_ix on core.projects (signed_on);

-- shared.dim_date spans the data: min/max of the milestone evidence dates and of the land
-- contract dates, answered by these as index probes (no scans of the two tables).
create index if not exists project_milestones_occurred_on_ix
    on core.project_milestones (occurred_on);
create index if not exists land_parcels_contract_on_ix on core.land_parcels (contract_on);
