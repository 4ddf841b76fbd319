-- shared.approvals: every approval-system decision (备案、核准、规划许可、施工许可) with the
-- hub project it belongs to. Grain: one row per approval event, refused, revoked and superseded
-- ones included; `effective` says whether it still counts. hub_project_id is null while the
-- event is not linked to a live hub project.
create or replace view shared.approvals with (security_barrier) as
select
    e.event_id,
    p.hub_project_id,
    e.project_code,
    e.matter,
    e.decision,
    e.decided_at,
    e.document_no,
    e.total_investment_wan,
    e.supersedes_event_id,
    exists (
        select 1 from core.effective_approval_events as f where f.event_id = e.event_id
    ) as effective
from core.approval_events as e
left join core.project_links as l
    on l.source_system = 'approval' and l.source_key = e.event_id
left join core.projects as p on p.hub_project_id = l.hub_project_id
cross join core.reader_scope as rs
where (rs.all_districts or coalesce(p.district_code, e.district_code) = any (rs.districts));

comment on view shared.approvals is
    '审批事项：每个审批事件一行（含不予、撤销、被替代事件）/ Approval decisions: one row per approval event (refused, revoked and superseded ones included)';
comment on column shared.approvals.event_id is
    '审批事件编号 / Approval event id';
comment on column shared.approvals.hub_project_id is
    '所属枢纽项目编号；未关联在用项目时为空 / Hub project id; null while not linked to a live project';
comment on column shared.approvals.project_code is
    '审批记录中的全国投资项目代码 / National project code on the approval record';
comment on column shared.approvals.matter is
    '审批事项：项目备案、项目核准、建设用地规划许可、建设工程规划许可、施工许可 / Matter: filing, approval, land-use planning permit, construction planning permit, construction permit';
comment on column shared.approvals.decision is
    '审批结果：准予、不予、撤销 / Decision: 准予 granted, 不予 refused, 撤销 revoked';
comment on column shared.approvals.decided_at is
    '决定时间 / When the decision was made';
comment on column shared.approvals.document_no is
    '批准文号 / Document number of the decision';
comment on column shared.approvals.total_investment_wan is
    '审批口径总投资（万元）/ Total investment on the approval record, in 万元';
comment on column shared.approvals.supersedes_event_id is
    '本事件撤销或替代的事件编号 / Event this one revokes or supersedes';
comment on column shared.approvals.effective is
    '是否仍有效：准予且未被撤销或替代 / Whether it still counts: granted and not revoked or superseded';
