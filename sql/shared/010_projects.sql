-- shared.projects: the one record of every investment project. Grain: one row per live hub project.
create or replace view shared.projects with (security_barrier) as
select
    hub_project_id, project_code, project_name, investor_name, investor_uscc, company_name,
    company_uscc, district_code, district_name, capital_type, origin_country, origin_province,
    origin_city, industry_category, industry_chain, is_manufacturing, signed_investment_wan,
    planned_investment_wan, stage, stage_zh, negotiation_started_on, signed_on, landed_on,
    construction_started_on, stats_included_month, production_on, terminated_on,
    completed_investment_ytd_wan, latest_stats_period, land_area_mu, land_quota_mu, sources,
    needs_review, updated_at, provenance
from core.projects
cross join core.reader_scope as rs
where (rs.all_districts or district_code = any (rs.districts));

comment on view shared.projects is
    '投资项目总表：每个在用的枢纽项目一行，属性按部门权威择优合并 / Investment projects: one row per live hub project, attributes merged across departments by authority';
comment on column shared.projects.hub_project_id is
    '枢纽项目编号：稳定，永不复用；合并后退役的编号见 project_id_redirects / Hub project id: stable, never reused; retired ids are listed in project_id_redirects';
comment on column shared.projects.project_code is
    '全国投资项目代码（审批 › 统计 › 土地 › 商务）/ National investment-project code (approval › stats › land › commerce)';
comment on column shared.projects.project_name is
    '项目名称（商务 › 审批 › 统计 › 土地）/ Project name (commerce › approval › stats › land)';
comment on column shared.projects.investor_name is
    '投资方（集团）名称，来自商务 / Investing group name, from commerce';
comment on column shared.projects.investor_uscc is
    '投资方统一社会信用代码，来自商务 / Investor USCC, from commerce';
comment on column shared.projects.company_name is
    '项目公司名称（商务项目公司 › 审批申请单位 › 统计法人单位 › 土地使用权人）/ Project company name (commerce company › approval applicant › stats legal unit › land user)';
comment on column shared.projects.company_uscc is
    '项目公司统一社会信用代码，来源次序同公司名称 / Project company USCC, same source order as company_name';
comment on column shared.projects.district_code is
    '所在区（市）行政区划代码，6位（审批 › 统计 › 商务 › 土地）/ District code, 6 digits (approval › stats › commerce › land)';
comment on column shared.projects.district_name is
    '所在区（市）名称 / District name';
comment on column shared.projects.capital_type is
    '资本类型：内资 / 外资（港澳台资计外资），来自商务 / Capital type: 内资 domestic or 外资 foreign (HK, Macao, Taiwan count as foreign), from commerce';
comment on column shared.projects.origin_country is
    '投资来源国别或地区（中国含港澳台）/ Investor''s country of origin (中国 includes HK, Macao, Taiwan)';
comment on column shared.projects.origin_province is
    '投资来源省份（全称，如 广东省）/ Investor''s province of origin (full name, e.g. 广东省)';
comment on column shared.projects.origin_city is
    '投资来源城市（如 深圳市）/ Investor''s city of origin (e.g. 深圳市)';
comment on column shared.projects.industry_category is
    '产业类别：优势产业、新兴产业、现代服务业或其他 / Industry category: 优势产业, 新兴产业, 现代服务业 or 其他';
comment on column shared.projects.industry_chain is
    '所属产业链（参考表 industry_chains）/ Industry chain (reference table industry_chains)';
comment on column shared.projects.is_manufacturing is
    '是否制造业项目 / Whether it is a manufacturing project';
comment on column shared.projects.signed_investment_wan is
    '签约投资额（万元），商务口径 / Signed investment in 万元 (10,000 CNY), commerce''s figure';
comment on column shared.projects.planned_investment_wan is
    '计划总投资（万元），取最新：统计 › 审批 › 商务 / Planned total investment in 万元, latest of stats › approval › commerce';
comment on column shared.projects.stage is
    '生命周期阶段：negotiating、signed、landed、under_construction、in_statistics、in_production 或 terminated / Lifecycle stage (furthest milestone shown by any department; terminated beside them)';
comment on column shared.projects.stage_zh is
    '生命周期阶段中文：在谈、已签约、已落地、在建、已纳统、已投产、已终止 / Lifecycle stage in Chinese';
comment on column shared.projects.negotiation_started_on is
    '开始洽谈日期 / Date negotiation started';
comment on column shared.projects.signed_on is
    '签约日期（各部门证据中最早）/ Signing date (earliest of any department''s evidence)';
comment on column shared.projects.landed_on is
    '落地日期：备案或核准、供地合同日期中最早 / Landing date: earliest filing/approval or land contract date';
comment on column shared.projects.construction_started_on is
    '开工日期：施工许可或统计开工月份中最早 / Construction start: earliest construction permit or stats start month';
comment on column shared.projects.stats_included_month is
    '纳统月份（该月第一天）/ Month the project entered the statistics roster (first day of that month)';
comment on column shared.projects.production_on is
    '全部投产日期，来自统计 / Date fully in production, from stats';
comment on column shared.projects.terminated_on is
    '终止日期，来自商务 / Termination date, from commerce';
comment on column shared.projects.completed_investment_ytd_wan is
    '本年累计完成投资（万元），最近一期统计 / Investment completed year to date in 万元, latest stats period';
comment on column shared.projects.latest_stats_period is
    '最近出现的统计期（YYYY-MM）/ Latest stats period the project appears in (YYYY-MM)';
comment on column shared.projects.land_area_mu is
    '有效宗地供地面积合计（亩，公顷×15）/ Total area of valid parcels in mu (hectares × 15)';
comment on column shared.projects.land_quota_mu is
    '有效宗地使用计划指标合计（亩）/ Total land-plan quota used by valid parcels, in mu';
comment on column shared.projects.sources is
    '有记录的部门：commerce、approval、land、stats / Departments holding a record of the project';
comment on column shared.projects.needs_review is
    '是否有待人工复核的匹配候选 / Whether an open match candidate awaits steward review';
comment on column shared.projects.updated_at is
    '发布值（含数据来源 provenance）最近一次变化的时间 / When a published value (provenance included) last changed';
comment on column shared.projects.provenance is
    '数据来源：属性名 → 取值所依据的源记录 {"source_system", "source_key"}（统计记录另含 "period"，经参考表换算的另含 "via"）；用地面积与指标为有效宗地合计，列出全部宗地 "source_keys" 并注 "aggregate": "sum"；生命周期日期指向日期最早的里程碑证据，阶段指向该阶段的证据（见 project_milestones）；hub_project_id、sources、needs_review、updated_at 为枢纽自有，无条目；为空表示该行发布时尚未记录来源 / Provenance: attribute name → the source record its value came from, {"source_system", "source_key"} (a stats row adds "period"; a value looked up in a reference table adds "via"); land area and quota are sums over valid parcels, all listed in "source_keys" with "aggregate": "sum"; lifecycle dates point to the milestone evidence with the earliest date, the stage to its milestone''s evidence (see project_milestones); hub_project_id, sources, needs_review and updated_at are the hub''s own and have no entry; null where the row was published before provenance was recorded';
