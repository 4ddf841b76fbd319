-- shared.big_projects: the big projects leaders follow (重大项目): signed investment of
-- 300,000 万元 (30亿元) or more, inclusive — the signing indicators' projects_30yi_plus
-- threshold; is_50yi_plus marks 500,000 万元 (50亿元) or more, as projects_50yi_plus.
-- Grain: one row per hub project, whatever its stage or signing date (unsigned and
-- terminated ones included, so the list shows what became of each).
-- Last evidence: the latest dated row of shared.project_milestones (undated evidence has no
-- place in time and is skipped); ties on the date go to the later milestone in the lifecycle
-- order (terminated last), then source system and key. Null when the project has no dated
-- evidence. One index lookup per big project (core.project_milestones' primary key leads
-- with hub_project_id).
-- District scope: read through shared.projects and shared.project_milestones.
create or replace view shared.big_projects with (security_barrier) as
select
    p.hub_project_id,
    p.project_code,
    p.project_name,
    p.district_code,
    p.district_name,
    p.industry_chain,
    p.signed_investment_wan,
    round(p.signed_investment_wan / 10000, 1) as signed_investment_yi,
    p.signed_investment_wan >= 500000 as is_50yi_plus,
    p.stage,
    p.stage_zh,
    p.signed_on,
    ev.occurred_on as last_evidence_on,
    ev.milestone as last_evidence_milestone,
    ev.source_system as last_evidence_source
from shared.projects as p
left join lateral (
    select m.occurred_on, m.milestone, m.source_system
    from shared.project_milestones as m
    where m.hub_project_id = p.hub_project_id
      and m.occurred_on is not null
    order by
        m.occurred_on desc,
        array_position(
            array['negotiating', 'signed', 'landed', 'under_construction', 'in_statistics',
                  'in_production', 'terminated'],
            m.milestone
        ) desc,
        m.source_system,
        m.source_key
    limit 1
) as ev on true
where p.signed_investment_wan >= 300000
order by p.signed_investment_wan desc, p.hub_project_id;

comment on view shared.big_projects is
    '重大项目清单：签约投资额30亿元（300000万元）以上（含本数）的项目，每个项目一行（不限阶段与签约日期），含当前阶段与最近一条有日期的证据 / Big projects: one row per project with signed investment of 300,000 万元 (30 亿元) or more, inclusive, whatever its stage or signing date, with its stage and its latest dated evidence';
comment on column shared.big_projects.hub_project_id is
    '枢纽项目编号 / Hub project id';
comment on column shared.big_projects.project_code is
    '全国投资项目代码 / National investment-project code';
comment on column shared.big_projects.project_name is
    '项目名称 / Project name';
comment on column shared.big_projects.district_code is
    '所在区（市）行政区划代码 / District code';
comment on column shared.big_projects.district_name is
    '所在区（市）名称 / District name';
comment on column shared.big_projects.industry_chain is
    '所属产业链 / Industry chain';
comment on column shared.big_projects.signed_investment_wan is
    '签约投资额（万元），商务口径；不小于300000 / Signed investment in 万元, commerce''s figure; 300,000 or more';
comment on column shared.big_projects.signed_investment_yi is
    '签约投资额（亿元，1位小数，四舍五入）/ Signed investment in 亿元, one decimal, rounded half up';
comment on column shared.big_projects.is_50yi_plus is
    '是否签约投资额50亿元（500000万元）以上（含本数），同签约指标 projects_50yi_plus / Whether signed investment is 500,000 万元 (50 亿元) or more, inclusive, as projects_50yi_plus of the signing indicators';
comment on column shared.big_projects.stage is
    '当前生命周期阶段 / Current lifecycle stage';
comment on column shared.big_projects.stage_zh is
    '当前生命周期阶段中文 / Current lifecycle stage in Chinese';
comment on column shared.big_projects.signed_on is
    '签约日期 / Signing date';
comment on column shared.big_projects.last_evidence_on is
    '最近一条有日期的里程碑证据的日期（无日期的证据不计）；无则为空 / Date of the latest dated milestone evidence (undated evidence is skipped); null when there is none';
comment on column shared.big_projects.last_evidence_milestone is
    '该证据表明的里程碑（同日多条时取生命周期中靠后的）/ Milestone that evidence shows (on a tie, the later one in the lifecycle)';
comment on column shared.big_projects.last_evidence_source is
    '提供该证据的部门：commerce、approval、land、stats / Department whose record is that evidence: commerce, approval, land or stats';
