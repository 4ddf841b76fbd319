-- shared.match_review_queue: source records the resolver could not link with confidence,
-- waiting for a data steward (`hub review accept|reject`). Grain: one row per open candidate
-- (source record × proposed hub project); decided candidates leave the queue.
create or replace view shared.match_review_queue with (security_barrier) as
select
    c.candidate_id,
    c.source_system,
    c.source_key,
    c.hub_project_id,
    c.score,
    c.evidence,
    c.status,
    c.created_at,
    c.target_source_system,
    c.target_source_key
from core.match_candidates as c
left join core.projects as p on p.hub_project_id = c.hub_project_id
cross join core.reader_scope as rs
where c.status = 'open'
  and (rs.all_districts or p.district_code = any (rs.districts));

comment on view shared.match_review_queue is
    '待人工复核的匹配候选：每个未决候选一行 / Match candidates awaiting steward review: one row per open candidate';
comment on column shared.match_review_queue.candidate_id is
    '候选编号，复核时引用（hub review accept|reject）/ Candidate id, quoted when reviewing (hub review accept|reject)';
comment on column shared.match_review_queue.source_system is
    '待匹配源记录的部门 / Department of the source record to be matched';
comment on column shared.match_review_queue.source_key is
    '待匹配源记录主键 / Key of the source record to be matched';
comment on column shared.match_review_queue.hub_project_id is
    '建议并入的枢纽项目编号 / Hub project the record is proposed to belong to';
comment on column shared.match_review_queue.score is
    '匹配得分 / Match score';
comment on column shared.match_review_queue.evidence is
    '匹配依据（jsonb）：哪些字段一致、哪些不一致 / Match evidence (jsonb): what agreed, what did not';
comment on column shared.match_review_queue.status is
    '候选状态，本视图中恒为 open / Candidate status, always open in this view';
comment on column shared.match_review_queue.created_at is
    '候选生成时间 / When the candidate was raised';
comment on column shared.match_review_queue.target_source_system is
    '比对所用的目标记录的部门（属于建议并入的项目）/ Department of the record of the proposed project the candidate was compared with';
comment on column shared.match_review_queue.target_source_key is
    '目标记录主键 / Key of that target record';
