-- The steward loop made real (probabilistic resolution). A candidate proposes one source
-- record (and the cluster it stands for) into the project of a *target* record; a steward's
-- decision is kept by that record pair, not by hub project id, so it means the same thing
-- after ids merge or split and after `hub sync --full` or `hub rebuild`.
-- Decisions made before this migration name only a hub project: their target stays null
-- and resolution reads them against the project's current records.

alter table core.match_candidates
    add column target_source_system text,
    add column target_source_key text;

alter table core.steward_decisions
    add column target_source_system text,
    add column target_source_key text;

create index match_candidates_open_ix on core.match_candidates (status) where status = 'open';

comment on table core.match_candidates is
    '匹配候选：源记录（及其所在簇）拟并入目标记录所在项目；分数介于两道阈值之间 / Match candidates: a source record (and its cluster) proposed into the project of a target record; scored between the two thresholds';
comment on column core.match_candidates.target_source_system is
    '目标记录的部门：候选拟并入该记录所在项目 / Department of the target record whose project the candidate would join';
comment on column core.match_candidates.target_source_key is
    '目标记录主键 / Key of the target record';
comment on table core.steward_decisions is
    '数据管理员的裁定，按记录对保存：accept 为必须关联，reject 为不得关联，此后每次解析（含全量同步与重建）都遵守 / Steward decisions by record pair: accept is a must-link, reject a cannot-link, obeyed by every later resolution, full syncs and rebuilds included';
comment on column core.steward_decisions.target_source_system is
    '目标记录的部门 / Department of the target record';
comment on column core.steward_decisions.target_source_key is
    '目标记录主键；旧裁定为空，按 hub_project_id 当时的记录解释 / Key of the target record; null for decisions older than record pairs, read through hub_project_id';
