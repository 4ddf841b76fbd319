-- shared.fact_project: the project fact of the BI star (issue 15). Grain: one row per live hub
-- project, exactly the rows of shared.projects (same source, same district scope: a login
-- scoped to a district sees only that district's projects). Keys, each null where the
-- project lacks it (documented, never a dangling value):
--   district_code → dim_district.district_code; industry_chain → dim_industry_chain;
--   stage_key → dim_stage.stage_key; *_date_key (yyyymmdd) → dim_date.date_key.
-- Measures are additive across projects (money in 万元, signed_investment_yi in 亿元, exact);
-- flags are booleans BI can filter or count on. Attributes a BI tool wants beside the keys
-- (name, code, capital type) are carried as degenerate dimensions.
create or replace view shared.fact_project with (security_barrier) as
select
    p.hub_project_id,
    p.project_code,
    p.project_name,
    p.district_code,
    p.industry_chain,
    p.stage as stage_key,
    core.date_key(p.signed_on) as signed_date_key,
    core.date_key(p.landed_on) as landed_date_key,
    core.date_key(p.construction_started_on) as construction_started_date_key,
    core.date_key(p.stats_included_month) as stats_included_date_key,
    core.date_key(p.production_on) as production_date_key,
    core.date_key(p.terminated_on) as terminated_date_key,
    p.signed_on,
    p.capital_type,
    1 as project_count,
    p.signed_investment_wan,
    p.signed_investment_wan / 10000 as signed_investment_yi,
    p.planned_investment_wan,
    p.completed_investment_ytd_wan,
    p.land_area_mu,
    p.land_quota_mu,
    coalesce(p.signed_investment_wan >= 10000, false) as is_signed_yi_plus,
    coalesce(p.signed_investment_wan >= 300000, false) as is_30yi_plus,
    coalesce(p.signed_investment_wan >= 500000, false) as is_50yi_plus,
    p.is_manufacturing,
    p.capital_type = '内资' as is_domestic,
    p.stage = 'terminated' as is_terminated,
    p.stage in ('landed', 'under_construction', 'in_statistics', 'in_production')
        as is_landed_or_later,
    p.needs_review
from core.projects as p
cross join core.reader_scope as rs
where (rs.all_districts or p.district_code = any (rs.districts));

comment on view shared.fact_project is
    '项目事实表（BI 星型模型）：每个在用的枢纽项目一行，行与区划范围同 projects；district_code → dim_district，industry_chain → dim_industry_chain，stage_key → dim_stage，*_date_key → dim_date（缺值为空）/ Project fact of the BI star: one row per live hub project, the rows and district scope of projects; district_code → dim_district, industry_chain → dim_industry_chain, stage_key → dim_stage, *_date_key → dim_date (null where unknown)';
comment on column shared.fact_project.hub_project_id is
    '枢纽项目编号，主键 → projects.hub_project_id / Hub project id, primary key → projects.hub_project_id';
comment on column shared.fact_project.project_code is
    '全国投资项目代码（退化维度）/ National investment-project code (degenerate dimension)';
comment on column shared.fact_project.project_name is
    '项目名称（退化维度）/ Project name (degenerate dimension)';
comment on column shared.fact_project.district_code is
    '所在区（市）代码 → dim_district.district_code；未知时为空 / District code → dim_district.district_code; null where unknown';
comment on column shared.fact_project.industry_chain is
    '所属产业链 → dim_industry_chain.industry_chain；未知时为空 / Industry chain → dim_industry_chain.industry_chain; null where unknown';
comment on column shared.fact_project.stage_key is
    '当前生命周期阶段 → dim_stage.stage_key / Current lifecycle stage → dim_stage.stage_key';
comment on column shared.fact_project.signed_date_key is
    '签约日期键（yyyymmdd），无日期时为空 → dim_date.date_key / Key of the signing date (yyyymmdd), null where there is none → dim_date.date_key';
comment on column shared.fact_project.landed_date_key is
    '落地日期键（yyyymmdd），无日期时为空 → dim_date.date_key / Key of the landing date (yyyymmdd), null where there is none → dim_date.date_key';
comment on column shared.fact_project.construction_started_date_key is
    '开工日期键（yyyymmdd），无日期时为空 → dim_date.date_key / Key of the construction start (yyyymmdd), null where there is none → dim_date.date_key';
comment on column shared.fact_project.stats_included_date_key is
    '纳统月份首日键（yyyymmdd），无日期时为空 → dim_date.date_key / Key of the first day of the month it entered statistics (yyyymmdd), null where there is none → dim_date.date_key';
comment on column shared.fact_project.production_date_key is
    '全部投产日期键（yyyymmdd），无日期时为空 → dim_date.date_key / Key of the date fully in production (yyyymmdd), null where there is none → dim_date.date_key';
comment on column shared.fact_project.terminated_date_key is
    '终止日期键（yyyymmdd），无日期时为空 → dim_date.date_key / Key of the termination date (yyyymmdd), null where there is none → dim_date.date_key';
comment on column shared.fact_project.signed_on is
    '签约日期（date，同 projects.signed_on）/ Signing date as a date (as projects.signed_on)';
comment on column shared.fact_project.capital_type is
    '资本类型：内资 / 外资（退化维度）/ Capital type: 内资 or 外资 (degenerate dimension)';
comment on column shared.fact_project.project_count is
    '项目数，恒为1，供 BI 求和计数 / Project count, always 1, for BI to sum';
comment on column shared.fact_project.signed_investment_wan is
    '签约投资额（万元），商务口径 / Signed investment in 万元, commerce''s figure';
comment on column shared.fact_project.signed_investment_yi is
    '签约投资额（亿元）= 万元 / 10000，精确值不取整 / Signed investment in 亿元 = 万元 / 10,000, exact, not rounded';
comment on column shared.fact_project.planned_investment_wan is
    '计划总投资（万元），同 projects / Planned total investment in 万元, as in projects';
comment on column shared.fact_project.completed_investment_ytd_wan is
    '本年累计完成投资（万元），最近一期统计 / Investment completed year to date in 万元, latest stats period';
comment on column shared.fact_project.land_area_mu is
    '有效宗地供地面积合计（亩）/ Total area of valid parcels in mu';
comment on column shared.fact_project.land_quota_mu is
    '有效宗地使用计划指标合计（亩）/ Total land-plan quota used by valid parcels, in mu';
comment on column shared.fact_project.is_signed_yi_plus is
    '签约投资额1亿元（10000万元）以上，即签约指标的计数口径 / Signed at 10,000 万元 (1 亿元) or more, the set the signing indicators count';
comment on column shared.fact_project.is_30yi_plus is
    '签约投资额30亿元以上 / Signed at 30 亿元 or more';
comment on column shared.fact_project.is_50yi_plus is
    '签约投资额50亿元以上 / Signed at 50 亿元 or more';
comment on column shared.fact_project.is_manufacturing is
    '是否制造业项目 / Whether it is a manufacturing project';
comment on column shared.fact_project.is_domestic is
    '是否内资 / Whether domestic capital (内资)';
comment on column shared.fact_project.is_terminated is
    '是否已终止 / Whether terminated';
comment on column shared.fact_project.is_landed_or_later is
    '是否已落地或更后阶段 / Whether landed or at a later stage';
comment on column shared.fact_project.needs_review is
    '是否有待人工复核的匹配候选 / Whether an open match candidate awaits steward review';
