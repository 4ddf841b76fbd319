-- shared.stalled_projects_as_of(at) and shared.stalled_projects (= the function at
-- current_date): projects signed more than six months before `at` (signed_on <
-- at - interval '6 months') that had not landed by `at` and were not terminated by `at`,
-- with the department that would next have to act. Grain: one row per hub project.
-- No investment threshold (every signed project; filter signed_investment_wan >= 10000 for
-- the 亿元以上 dispatch — not on the rounded signed_investment_yi).
-- Judged on today's record by the evidence dates, not on what was published at `at` (that
-- is shared.projects_as_of):
--   landed by `at`: the earliest dated landed-or-later milestone (landed_on,
--     construction_started_on, stats_included_month, production_on) is on or before `at`;
--     or the project is landed or later with no such date at all (undated evidence, e.g.
--     commerce 已落地: it has landed, when is unknown, so it is never listed);
--   terminated by `at`: stage terminated with terminated_on on or before `at` (or undated).
-- Next department (rule): no valid land parcel linked by `at` → 自然资源和规划局 (land,
-- 土地供应); a valid parcel but no granted, not revoked 项目备案 / 项目核准 by `at` → 行政审批局
-- (approval, 项目备案/核准). Both read from the evidence in shared.project_milestones
-- (landed rows of land = valid parcels, of approval = effective 项目备案/项目核准), dated on
-- or before `at` or undated. Since a parcel is itself landing evidence, the approval branch
-- is met only by a parcel without a contract date whose project's dated landing came after
-- `at`; today nearly every stalled project waits for land.
-- stage is the project's stage now (for a past `at`: what became of it); months_since_signing
-- is whole months from signed_on to `at`.
-- Security invoker, SQL-standard body (as shared.projects_as_of): the reader's own district
-- scope applies through shared.projects and shared.project_milestones.
-- create or replace cannot change a function's result columns: the view over the function
-- and the function are dropped first (the grants, re-run after every changed file, follow).
drop view if exists shared.stalled_projects;
drop function if exists shared.stalled_projects_as_of(date);

create or replace function shared.stalled_projects_as_of(at date)
returns table (
    hub_project_id bigint,
    project_code text,
    project_name text,
    district_code text,
    district_name text,
    signed_on date,
    months_since_signing integer,
    signed_investment_wan numeric,
    signed_investment_yi numeric,
    stage text,
    stage_zh text,
    next_department text,
    next_department_zh text,
    next_step_zh text
)
language sql
stable
security invoker
begin atomic
    with

    stalled as (
        select p.*
        from shared.projects as p
        where p.signed_on < stalled_projects_as_of.at - interval '6 months'
          and not coalesce(
              least(p.landed_on, p.construction_started_on, p.stats_included_month,
                    p.production_on) <= stalled_projects_as_of.at,
              p.stage in ('landed', 'under_construction', 'in_statistics', 'in_production')
          )
          and not (
              p.stage = 'terminated'
              and coalesce(p.terminated_on <= stalled_projects_as_of.at, true)
          )
    ),

    evidence as (
        select
            s.hub_project_id,
            bool_or(m.source_system = 'land') as has_parcel,
            bool_or(m.source_system = 'approval') as has_filing
        from stalled as s
        join shared.project_milestones as m on m.hub_project_id = s.hub_project_id
        where m.milestone = 'landed'
          and m.source_system in ('land', 'approval')
          and coalesce(m.occurred_on <= stalled_projects_as_of.at, true)
        group by s.hub_project_id
    ),

    next_step as (
        select
            s.*,
            case when coalesce(e.has_parcel, false) then 'approval' else 'land' end
                as next_department
        from stalled as s
        left join evidence as e on e.hub_project_id = s.hub_project_id
    )

    select
        n.hub_project_id,
        n.project_code,
        n.project_name,
        n.district_code,
        n.district_name,
        n.signed_on,
        (extract(year from age(stalled_projects_as_of.at, n.signed_on)) * 12
            + extract(month from age(stalled_projects_as_of.at, n.signed_on)))::integer,
        n.signed_investment_wan,
        round(n.signed_investment_wan / 10000, 1),
        n.stage,
        n.stage_zh,
        n.next_department,
        case n.next_department when 'land' then '自然资源和规划局' else '行政审批局' end,
        case n.next_department when 'land' then '土地供应' else '项目备案/核准' end
    from next_step as n
    order by n.signed_on, n.hub_project_id;
end;

comment on function shared.stalled_projects_as_of(date) is
    '某日的签约未落地项目清单：签约日期早于该日前六个月、到该日仍未落地且未终止的项目（按证据日期判断，无日期的落地证据视为已落地），及下一步应办理的部门：到该日无有效供地 → 自然资源和规划局（土地供应）；有有效供地但无有效的项目备案/核准 → 行政审批局（项目备案/核准）；列同 stalled_projects，区划范围同 projects / Projects stalled at `at`: signed more than six months before `at`, not landed and not terminated by `at` (judged by evidence dates; undated landing evidence counts as landed), with the department that would next have to act: no valid land parcel by `at` → land bureau (land supply); a valid parcel but no effective project filing/approval → approval bureau (filing/approval); the columns of stalled_projects, district scope as in projects';

revoke all on function shared.stalled_projects_as_of(date) from public;

-- The function applies the reader's scope already (through shared.projects); the view joins
-- core.reader_scope too, as every shared view does, so its scoping shows in its definition.
create or replace view shared.stalled_projects with (security_barrier) as
select s.*
from shared.stalled_projects_as_of(current_date) as s
cross join core.reader_scope as rs
where (rs.all_districts or s.district_code = any (rs.districts));

comment on view shared.stalled_projects is
    '签约超过六个月未落地项目清单（截至今日）：签约日期早于今日前六个月、尚未落地（无落地及其后的证据）且未终止的项目，每个项目一行，不限投资额；下一步应办理部门的规则：未关联有效供地 → 自然资源和规划局（土地供应）；已有有效供地但无准予且未撤销的项目备案/核准 → 行政审批局（项目备案/核准）/ Projects signed more than six months ago that have not landed (no landed-or-later evidence) and are not terminated, as of today: one row per project, any investment; the department that would next have to act: no valid land parcel linked → land bureau (land supply); a valid parcel but no granted, not revoked project filing/approval → approval bureau (filing/approval)';
comment on column shared.stalled_projects.hub_project_id is
    '枢纽项目编号 / Hub project id';
comment on column shared.stalled_projects.project_code is
    '全国投资项目代码 / National investment-project code';
comment on column shared.stalled_projects.project_name is
    '项目名称 / Project name';
comment on column shared.stalled_projects.district_code is
    '所在区（市）行政区划代码 / District code';
comment on column shared.stalled_projects.district_name is
    '所在区（市）名称 / District name';
comment on column shared.stalled_projects.signed_on is
    '签约日期 / Signing date';
comment on column shared.stalled_projects.months_since_signing is
    '签约至今的整月数（不足一月不计）/ Whole months from signing to today (part of a month not counted)';
comment on column shared.stalled_projects.signed_investment_wan is
    '签约投资额（万元），商务口径；清单不设投资额门槛，按亿元以上筛选用此列（>= 10000）/ Signed investment in 万元, commerce''s figure; the list has no threshold: filter on this column (>= 10,000) for 亿元以上 projects';
comment on column shared.stalled_projects.signed_investment_yi is
    '签约投资额（亿元，1位小数，四舍五入）/ Signed investment in 亿元, one decimal, rounded half up';
comment on column shared.stalled_projects.stage is
    '当前生命周期阶段（今日清单中为已签约）/ Current lifecycle stage (signed, in today''s list)';
comment on column shared.stalled_projects.stage_zh is
    '当前生命周期阶段中文 / Current lifecycle stage in Chinese';
comment on column shared.stalled_projects.next_department is
    '下一步应办理的部门代码：land（未关联有效供地）或 approval（有有效供地、无有效的项目备案/核准）/ Department that would next have to act: land (no valid parcel linked) or approval (a valid parcel, no effective project filing/approval)';
comment on column shared.stalled_projects.next_department_zh is
    '下一步应办理的部门：自然资源和规划局 或 行政审批局 / That department in Chinese: 自然资源和规划局 (land) or 行政审批局 (approval)';
comment on column shared.stalled_projects.next_step_zh is
    '下一步事项：土地供应 或 项目备案/核准 / The next step: 土地供应 (land supply) or 项目备案/核准 (project filing/approval)';
