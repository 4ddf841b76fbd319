-- shared.dim_stage: the lifecycle-stage dimension of the BI star (issue 15), the stages of
-- contracts/warehouse.md "Lifecycle" in order, terminated beside them (sort order 7).
-- Grain: one row per stage. Key: stage_key (the stage code projects.stage carries). Visible
-- to every granted login, as dim_district.
create or replace view shared.dim_stage with (security_barrier) as
select s.stage_key, s.stage_zh, s.stage_en, s.sort_order, s.is_terminated, s.is_landed_or_later
from (
    values
        ('negotiating', '在谈', 'Negotiating', 1, false, false),
        ('signed', '已签约', 'Signed', 2, false, false),
        ('landed', '已落地', 'Landed', 3, false, true),
        ('under_construction', '在建', 'Under construction', 4, false, true),
        ('in_statistics', '已纳统', 'In statistics', 5, false, true),
        ('in_production', '已投产', 'In production', 6, false, true),
        ('terminated', '已终止', 'Terminated', 7, true, false)
) as s (stage_key, stage_zh, stage_en, sort_order, is_terminated, is_landed_or_later)
cross join core.reader_scope as rs
where rs.all_districts or cardinality(rs.districts) > 0;

comment on view shared.dim_stage is
    '生命周期阶段维度（BI 星型模型）：每个阶段一行，按生命周期顺序（在谈→已签约→已落地→在建→已纳统→已投产），已终止列于其后；主键 stage_key，被 fact_project、fact_project_stage_spans、fact_project_stage_daily 引用 / Lifecycle-stage dimension of the BI star: one row per stage in lifecycle order, terminated after them; key stage_key, referenced by fact_project, fact_project_stage_spans and fact_project_stage_daily';
comment on column shared.dim_stage.stage_key is
    '阶段代码，主键（同 projects.stage）← fact_project.stage_key / Stage code, primary key (as projects.stage) ← fact_project.stage_key';
comment on column shared.dim_stage.stage_zh is
    '阶段中文名 / Stage name in Chinese';
comment on column shared.dim_stage.stage_en is
    '阶段英文名 / Stage name in English';
comment on column shared.dim_stage.sort_order is
    '生命周期顺序：1 在谈 … 6 已投产，7 已终止；图表按此排序 / Lifecycle order: 1 negotiating … 6 in production, 7 terminated; sort charts by it';
comment on column shared.dim_stage.is_terminated is
    '是否终止阶段 / Whether this is the terminated stage';
comment on column shared.dim_stage.is_landed_or_later is
    '是否已落地或更后阶段（落地率的分子）/ Whether the stage is landed or later (numerator of the landing rate)';
