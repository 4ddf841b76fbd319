-- shared.projects_history: every version of shared.projects ever published, with the interval
-- it was published in (core.projects_history, kept by sql/core/record_project_history.sql).
-- Grain: one row per project version. District scope as shared.projects, applied to each
-- version's own district: a scoped reader sees exactly the versions shared.projects showed
-- them at the time.
create or replace view shared.projects_history with (security_barrier) as
select
    h.hub_project_id, h.project_code, h.project_name, h.investor_name, h.investor_uscc,
    h.company_name, h.company_uscc, h.district_code, h.district_name, h.capital_type,
    h.origin_country, h.origin_province, h.origin_city, h.industry_category, h.industry_chain,
    h.is_manufacturing, h.signed_investment_wan, h.planned_investment_wan, h.stage, h.stage_zh,
    h.negotiation_started_on, h.signed_on, h.landed_on, h.construction_started_on,
    h.stats_included_month, h.production_on, h.terminated_on, h.completed_investment_ytd_wan,
    h.latest_stats_period, h.land_area_mu, h.land_quota_mu, h.sources, h.needs_review,
    h.updated_at, h.provenance, h.valid_from, h.valid_to
from core.projects_history as h
cross join core.reader_scope as rs
where (rs.all_districts or h.district_code = any (rs.districts));

comment on view shared.projects_history is
    '投资项目总表的发布历史：每个发布版本一行，自 valid_from 起至 valid_to 止（为空即当前版本）；区划范围同 projects，按各版本当时的所在区 / Publication history of shared.projects: one row per published version, from valid_from until valid_to (null = current); district scope as in projects, by each version''s own district';
comment on column shared.projects_history.hub_project_id is
    '枢纽项目编号 / Hub project id';
comment on column shared.projects_history.project_code is
    '全国投资项目代码（审批 › 统计 › 土地 › 商务）/ National investment-project code (approval › stats › land › commerce)';
comment on column shared.projects_history.project_name is
    '项目名称（商务 › 审批 › 统计 › 土地）/ Project name (commerce › approval › stats › land)';
comment on column shared.projects_history.investor_name is
    '投资方（集团）名称，来自商务 / Investing group name, from commerce';
comment on column shared.projects_history.investor_uscc is
    '投资方统一社会信用代码，来自商务 / Investor USCC, from commerce';
comment on column shared.projects_history.company_name is
    '项目公司名称 / Project company name';
comment on column shared.projects_history.company_uscc is
    '项目公司统一社会信用代码 / Project company USCC';
comment on column shared.projects_history.district_code is
    '所在区（市）行政区划代码，6位 / District code, 6 digits';
comment on column shared.projects_history.district_name is
    '所在区（市）名称 / District name';
comment on column shared.projects_history.capital_type is
    '资本类型：内资 / 外资，来自商务 / Capital type: 内资 domestic or 外资 foreign, from commerce';
comment on column shared.projects_history.origin_country is
    '投资来源国别或地区 / Investor''s country of origin';
comment on column shared.projects_history.origin_province is
    '投资来源省份 / Investor''s province of origin';
comment on column shared.projects_history.origin_city is
    '投资来源城市 / Investor''s city of origin';
comment on column shared.projects_history.industry_category is
    '产业类别 / Industry category';
comment on column shared.projects_history.industry_chain is
    '所属产业链 / Industry chain';
comment on column shared.projects_history.is_manufacturing is
    '是否制造业项目 / Whether it is a manufacturing project';
comment on column shared.projects_history.signed_investment_wan is
    '签约投资额（万元），商务口径 / Signed investment in 万元, commerce''s figure';
comment on column shared.projects_history.planned_investment_wan is
    '计划总投资（万元）/ Planned total investment in 万元';
comment on column shared.projects_history.stage is
    '生命周期阶段 / Lifecycle stage';
comment on column shared.projects_history.stage_zh is
    '生命周期阶段中文 / Lifecycle stage in Chinese';
comment on column shared.projects_history.negotiation_started_on is
    '开始洽谈日期 / Date negotiation started';
comment on column shared.projects_history.signed_on is
    '签约日期 / Signing date';
comment on column shared.projects_history.landed_on is
    '落地日期 / Landing date';
comment on column shared.projects_history.construction_started_on is
    '开工日期 / Construction start';
comment on column shared.projects_history.stats_included_month is
    '纳统月份（该月第一天）/ Month the project entered the statistics roster (first day)';
comment on column shared.projects_history.production_on is
    '全部投产日期 / Date fully in production';
comment on column shared.projects_history.terminated_on is
    '终止日期 / Termination date';
comment on column shared.projects_history.completed_investment_ytd_wan is
    '本年累计完成投资（万元）/ Investment completed year to date in 万元';
comment on column shared.projects_history.latest_stats_period is
    '最近出现的统计期（YYYY-MM）/ Latest stats period the project appears in (YYYY-MM)';
comment on column shared.projects_history.land_area_mu is
    '有效宗地供地面积合计（亩）/ Total area of valid parcels in mu';
comment on column shared.projects_history.land_quota_mu is
    '有效宗地使用计划指标合计（亩）/ Total land-plan quota used by valid parcels, in mu';
comment on column shared.projects_history.sources is
    '有记录的部门 / Departments holding a record of the project';
comment on column shared.projects_history.needs_review is
    '是否有待人工复核的匹配候选 / Whether an open match candidate awaited steward review';
comment on column shared.projects_history.updated_at is
    '该版本的发布值最近一次变化的时间 / When a published value of this version last changed';
comment on column shared.projects_history.provenance is
    '数据来源：属性名 → 源记录，同 projects.provenance / Provenance: attribute name → source record, as in projects.provenance';
comment on column shared.projects_history.valid_from is
    '该版本开始发布的时间（一次发布为同一时刻）/ When this version was published (one publish is one instant)';
comment on column shared.projects_history.valid_to is
    '该版本被替换或项目移出总表的时间；为空表示仍是当前版本 / When this version was replaced or the project left the record; null while current';

-- shared.projects_as_of(at): shared.projects as it was published at `at` — the versions with
-- valid_from <= at < valid_to (open versions: no end). Same columns as shared.projects.
-- Security invoker over the security-barrier view above, so the reader's own district scope
-- applies (a definer function would run as its owner and see every district). The body is
-- SQL-standard (begin atomic): parsed once here, so it needs no search_path and reads the
-- view by reference.
create or replace function shared.projects_as_of(at timestamptz)
returns setof shared.projects
language sql
stable
security invoker
begin atomic
    select
        h.hub_project_id, h.project_code, h.project_name, h.investor_name, h.investor_uscc,
        h.company_name, h.company_uscc, h.district_code, h.district_name, h.capital_type,
        h.origin_country, h.origin_province, h.origin_city, h.industry_category,
        h.industry_chain, h.is_manufacturing, h.signed_investment_wan,
        h.planned_investment_wan, h.stage, h.stage_zh, h.negotiation_started_on, h.signed_on,
        h.landed_on, h.construction_started_on, h.stats_included_month, h.production_on,
        h.terminated_on, h.completed_investment_ytd_wan, h.latest_stats_period,
        h.land_area_mu, h.land_quota_mu, h.sources, h.needs_review, h.updated_at,
        h.provenance
    from shared.projects_history as h
    where h.valid_from <= projects_as_of.at
      and projects_as_of.at < coalesce(h.valid_to, 'infinity');
end;

comment on function shared.projects_as_of(timestamptz) is
    '某一时刻发布的投资项目总表：列同 projects，每个当时在表的项目一行（valid_from <= at < valid_to），区划范围同 projects / shared.projects as published at `at`: the columns of projects, one row per project then published (valid_from <= at < valid_to), district scope as in projects';

revoke all on function shared.projects_as_of(timestamptz) from public;
