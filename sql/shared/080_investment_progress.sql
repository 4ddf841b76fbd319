-- shared.investment_progress: the statistics bureau's roster figures per hub project and
-- period (月度固定资产投资项目库). Grain: one row per hub project × stats period × stats
-- project (a hub project normally has one stats project); only live hub projects.
create or replace view shared.investment_progress with (security_barrier) as
select
    p.hub_project_id,
    s.period,
    s.stat_project_id,
    s.completed_investment_ytd_wan,
    s.planned_investment_wan,
    s.status,
    s.revision
from core.stats_roster as s
join core.project_links as l
    on l.source_system = 'stats' and l.source_key = s.stat_project_id
join core.projects as p on p.hub_project_id = l.hub_project_id
cross join core.reader_scope as rs
where (rs.all_districts or p.district_code = any (rs.districts));

comment on view shared.investment_progress is
    '项目投资进度（统计局项目库）：每个项目每个统计期一行 / Investment progress from the stats roster: one row per project and stats period';
comment on column shared.investment_progress.hub_project_id is
    '枢纽项目编号 / Hub project id';
comment on column shared.investment_progress.period is
    '统计期（月份，YYYY-MM）/ Stats period (a month, YYYY-MM)';
comment on column shared.investment_progress.stat_project_id is
    '统计局项目编号 / Stats bureau''s project id';
comment on column shared.investment_progress.completed_investment_ytd_wan is
    '本年累计完成投资（万元，自当年1月至该期末）/ Investment completed from January to the period''s end, in 万元';
comment on column shared.investment_progress.planned_investment_wan is
    '统计口径计划总投资（万元）/ Planned total investment in the stats roster, in 万元';
comment on column shared.investment_progress.status is
    '统计状态（如 全部投产）/ Stats status (e.g. 全部投产 fully in production)';
comment on column shared.investment_progress.revision is
    '该统计期名录的修订号 / Revision of the period''s roster the row comes from';
