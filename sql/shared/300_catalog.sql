-- shared.catalog: the catalog of schema shared (issue 15; contracts/warehouse.md). Grain: one
-- row per object in shared (view, table, function), with its grain, description, owning
-- department (commerce / land / approval / stats / hub), sharing class (无条件共享, or
-- 有条件共享 where a role or scope restricts it beyond the district: personal data,
-- department-only rows, steward-only actions), update cycle, keys and relationships, and
-- freshness.
--
-- A view, not a table: the descriptive data is the reviewed seed below (the VALUES list, one
-- row per object, reviewed with the SQL like any definition), the object type comes from
-- pg_catalog and the freshness from meta when read, so nothing needs filling at publish and
-- the catalog cannot go stale. It is a full join of the seed with what schema shared really
-- holds: an object without a seed row shows with empty descriptions, a seed row without an
-- object shows with an empty object_type — and tests/integration/test_bi_star.py fails on
-- either, so a new object cannot be added uncatalogued.
--
-- Freshness (last_refreshed_at), by the seed's freshness source: publish → the last publish
-- (meta.publishes); sync → the last attempt of any source (meta.sync_runs); sync:<source> →
-- that department's last successful sync; reference → when reference data was last loaded;
-- definition → when the object's own SQL file was last applied (meta.schema_repeatables).
create or replace view shared.catalog with (security_barrier) as
with

seed (
    object_name, grain, description_zh, description_en, owning_department, sharing_class,
    update_cycle, freshness_source, relationships
) as (
    values
        ('approvals', '每个审批事项一行 / one row per approval event', '审批部门的备案、核准、施工许可等事项', 'Approval events: filings, approvals, construction permits', 'approval', '无条件共享', '每次同步', 'sync:approval', '主键 event_id；hub_project_id → projects / key event_id; hub_project_id → projects'),
        ('big_projects', '每个30亿元以上项目一行 / one row per project of 30 亿元 or more', '30亿元以上重大项目及其阶段与最新证据', 'Projects of 30 亿元 or more with their stage and latest evidence', 'hub', '无条件共享', '每次同步', 'publish', 'hub_project_id → fact_project / hub_project_id → fact_project'),
        ('catalog', '每个 shared 对象一行 / one row per shared object', 'shared 数据目录：粒度、说明、权属部门、共享类别、更新周期与新鲜度', 'Catalog of shared: grain, description, owning department, sharing class, update cycle and freshness', 'hub', '无条件共享', '随版本发布', 'definition', 'object_name = shared 中的对象名 / object_name = an object''s name in shared'),
        ('commerce_contacts', '每条商务项目记录一行 / one row per commerce project record', '项目联系人（个人信息，仅商务部门可读）', 'Project contacts (personal data, commerce department only)', 'commerce', '有条件共享', '每次同步', 'sync:commerce', 'hub_project_id → projects / hub_project_id → projects'),
        ('dim_date', '每天一行，覆盖数据所及的整年 / one row per day over the whole years the data spans', '日期维度（年、季、月、统计期标签）', 'Calendar dimension (year, quarter, month, period labels)', 'hub', '无条件共享', '每日', 'publish', '主键 date_key ← 各事实表 *_date_key、分粒度指标视图 period_start_key / key date_key ← the facts'' *_date_key, the per-grain views'' period_start_key'),
        ('dim_district', '每个区（市）一行 / one row per district', '区（市）维度', 'District dimension', 'hub', '无条件共享', '参考数据更新时', 'reference', '主键 district_code ← fact_project、fact_project_stage_spans、fact_project_stage_daily / key district_code ← fact_project, fact_project_stage_spans, fact_project_stage_daily'),
        ('dim_industry_chain', '每条产业链一行 / one row per industry chain', '产业链维度', 'Industry-chain dimension', 'hub', '无条件共享', '参考数据更新时', 'reference', '主键 industry_chain ← fact_project / key industry_chain ← fact_project'),
        ('dim_stage', '每个生命周期阶段一行 / one row per lifecycle stage', '生命周期阶段维度（含顺序）', 'Lifecycle-stage dimension, in order', 'hub', '无条件共享', '随版本发布', 'definition', '主键 stage_key ← fact_project、fact_project_stage_spans、fact_project_stage_daily / key stage_key ← fact_project, fact_project_stage_spans, fact_project_stage_daily'),
        ('discrepancies', '每个未解决的不一致一行 / one row per open inconsistency', '部门之间不一致之处', 'Open inconsistencies between departments', 'hub', '无条件共享', '每次同步', 'publish', '主键 (hub_project_id, kind)；hub_project_id → projects / key (hub_project_id, kind); hub_project_id → projects'),
        ('fact_project', '每个枢纽项目一行 / one row per live hub project', '项目事实表（BI 星型模型）', 'Project fact of the BI star', 'hub', '无条件共享', '每次同步', 'publish', '主键 hub_project_id；district_code → dim_district；industry_chain → dim_industry_chain；stage_key → dim_stage；*_date_key → dim_date / key hub_project_id; district_code → dim_district; industry_chain → dim_industry_chain; stage_key → dim_stage; *_date_key → dim_date'),
        ('fact_project_stage_daily', '每个项目每天一行（首个里程碑至今天）/ one row per project per day (first milestone through today)', '项目阶段逐日快照事实表（请按日期筛选）', 'Daily project-stage snapshot (filter on the days you chart)', 'hub', '无条件共享', '每日', 'publish', 'date_key → dim_date；hub_project_id → fact_project；stage_key → dim_stage；district_code → dim_district / date_key → dim_date; hub_project_id → fact_project; stage_key → dim_stage; district_code → dim_district'),
        ('fact_project_stage_spans', '每个项目每个经历过的阶段一行（区间）/ one row per project per stage it was in (interval)', '项目阶段区间事实表（逐日快照的紧凑形式）', 'Project stage intervals (the compact form of the daily snapshot)', 'hub', '无条件共享', '每次同步', 'publish', 'hub_project_id → fact_project；stage_key → dim_stage；valid_from_date_key、valid_to_date_key → dim_date / hub_project_id → fact_project; stage_key → dim_stage; valid_from_date_key, valid_to_date_key → dim_date'),
        ('investment_progress', '项目 × 统计期 / project × stats period', '统计部门报送的项目本年累计完成投资', 'Investment completed year to date per project and stats period, from stats', 'stats', '无条件共享', '每次同步', 'sync:stats', 'hub_project_id → projects / hub_project_id → projects'),
        ('land_parcels', '每宗地一行 / one row per parcel', '供地宗地（含作废）', 'Land parcels supplied (withdrawn ones included)', 'land', '无条件共享', '每次同步', 'sync:land', '主键 parcel_id；hub_project_id → projects / key parcel_id; hub_project_id → projects'),
        ('land_quota_usage', '每统计期一行，月、季、年初至今混合（period_type 区分）/ one row per period, month, quarter and year-to-date mixed (period_type tells)', '供地与计划指标使用（混合粒度，BI 请用分粒度视图）', 'Land supplied and plan quota used (mixed grain: BI should read the per-grain views)', 'land', '无条件共享', '每次同步', 'sync:land', '分粒度：land_quota_usage_monthly / _quarterly / _ytd / per grain: land_quota_usage_monthly / _quarterly / _ytd'),
        ('land_quota_usage_monthly', '每月一行 / one row per month', '供地与计划指标使用（月粒度）', 'Land supplied and plan quota used, monthly', 'land', '无条件共享', '每次同步', 'sync:land', 'period_start_key、period_end_key → dim_date；行取自 land_quota_usage / period_start_key, period_end_key → dim_date; rows of land_quota_usage'),
        ('land_quota_usage_quarterly', '每季一行 / one row per quarter', '供地与计划指标使用（季粒度）', 'Land supplied and plan quota used, quarterly', 'land', '无条件共享', '每次同步', 'sync:land', 'period_start_key、period_end_key → dim_date；行取自 land_quota_usage / period_start_key, period_end_key → dim_date; rows of land_quota_usage'),
        ('land_quota_usage_ytd', '每个年初至今统计期一行 / one row per year-to-date period', '供地与计划指标使用（年初至今粒度）', 'Land supplied and plan quota used, year to date (cumulative, never add periods)', 'land', '无条件共享', '每次同步', 'sync:land', 'period_start_key、period_end_key → dim_date；行取自 land_quota_usage / period_start_key, period_end_key → dim_date; rows of land_quota_usage'),
        ('lifecycle_funnel', '签约批次（月、季）× 区 × 产业链 / signing cohort (month, quarter) × district × industry chain', '项目全生命周期评价漏斗：各阶段数量、转化率、周期中位数、完成投资', 'Lifecycle evaluation funnel: counts per stage reached, conversion rates, median days, completed investment', 'hub', '无条件共享', '每次同步', 'publish', 'district_code → dim_district；industry_chain → dim_industry_chain / district_code → dim_district; industry_chain → dim_industry_chain'),
        ('match_review_queue', '每个待复核候选一行 / one row per open candidate', '待人工复核的匹配候选及其证据', 'Match candidates awaiting steward review, with their evidence', 'hub', '有条件共享', '每次同步', 'publish', '主键 candidate_id；hub_project_id → projects / key candidate_id; hub_project_id → projects'),
        ('project_id_redirects', '每个退役编号一行 / one row per retired id', '合并后退役的项目编号及其去向', 'Retired hub project ids and the id they merged into', 'hub', '无条件共享', '每次同步', 'publish', '主键 retired_hub_project_id；hub_project_id → projects / key retired_hub_project_id; hub_project_id → projects'),
        ('project_milestones', '每条里程碑证据一行 / one row per milestone evidence', '生命周期里程碑证据', 'Lifecycle milestone evidence', 'hub', '无条件共享', '每次同步', 'publish', 'hub_project_id → projects；milestone → dim_stage.stage_key / hub_project_id → projects; milestone → dim_stage.stage_key'),
        ('project_source_links', '每条可用源记录一行 / one row per usable source record', '源记录与枢纽项目的对应关系', 'Which source record belongs to which hub project', 'hub', '无条件共享', '每次同步', 'publish', '主键 (source_system, source_key)；hub_project_id → projects / key (source_system, source_key); hub_project_id → projects'),
        ('project_sources', '每个项目每个有记录的部门一行 / one row per project per department', '项目的数据来源部门（sources 展开）', 'Departments holding a record of each project (sources flattened)', 'hub', '无条件共享', '每次同步', 'publish', 'hub_project_id → fact_project / hub_project_id → fact_project'),
        ('projects', '每个枢纽项目一行 / one row per live hub project', '投资项目总表，属性按部门权威择优合并', 'Investment projects, attributes merged across departments by authority', 'hub', '无条件共享', '每次同步', 'publish', '主键 hub_project_id；district_code → dim_district；industry_chain → dim_industry_chain；stage → dim_stage / key hub_project_id; district_code → dim_district; industry_chain → dim_industry_chain; stage → dim_stage'),
        ('projects_as_of', '函数：某时刻每个项目一行 / function: one row per project as published at a time', '某一时刻发布的投资项目总表', 'projects as published at a given time', 'hub', '无条件共享', '每次同步', 'publish', '列同 projects / the columns of projects'),
        ('projects_history', '每个发布版本一行 / one row per published project version', '投资项目总表的发布历史（valid_from 至 valid_to）', 'Publication history of projects (valid_from to valid_to)', 'hub', '无条件共享', '每次同步', 'publish', 'hub_project_id → projects / hub_project_id → projects'),
        ('rejected_records', '每条未采用的源记录一行 / one row per record not used', '未采用的源记录及原因；各部门只见本部门的行，BI 与复核员不见原文', 'Source records not used and why; each department sees only its own rows, BI and stewards never the payload', 'hub', '有条件共享', '每次同步', 'sync', '(source_system, source_key) → project_source_links / (source_system, source_key) → project_source_links'),
        ('review_candidate', '函数：处理一个候选 / function: settles one candidate', '复核员接受或拒绝匹配候选（复核员唯一的写操作）', 'A steward accepts or rejects a match candidate (the steward''s one write)', 'hub', '有条件共享', '按需调用', 'definition', 'candidate_id → match_review_queue.candidate_id / candidate_id → match_review_queue.candidate_id'),
        ('signing_indicators', '每统计期一行，月、季、年初至今混合（period_type 区分）/ one row per period, month, quarter and year-to-date mixed (period_type tells)', '签约指标（月度调度 / 季度通报；混合粒度，BI 请用分粒度视图）', 'Signing indicators of the monthly dispatch and quarterly bulletin (mixed grain: BI should read the per-grain views)', 'commerce', '无条件共享', '每次同步', 'publish', '分粒度：signing_indicators_monthly / _quarterly / _ytd / per grain: signing_indicators_monthly / _quarterly / _ytd'),
        ('signing_indicators_as_of', '函数：某时刻每统计期一行 / function: one row per period as published at a time', '某一时刻发布的签约指标（报告可重现）', 'Signing indicators as published at a given time (reports reproduce)', 'commerce', '无条件共享', '每次同步', 'publish', '列同 signing_indicators / the columns of signing_indicators'),
        ('signing_indicators_monthly', '每月一行 / one row per month', '签约指标（月粒度）', 'Signing indicators, monthly', 'commerce', '无条件共享', '每次同步', 'publish', 'period_start_key、period_end_key → dim_date；行取自 signing_indicators / period_start_key, period_end_key → dim_date; rows of signing_indicators'),
        ('signing_indicators_quarterly', '每季一行 / one row per quarter', '签约指标（季粒度）', 'Signing indicators, quarterly', 'commerce', '无条件共享', '每次同步', 'publish', 'period_start_key、period_end_key → dim_date；行取自 signing_indicators / period_start_key, period_end_key → dim_date; rows of signing_indicators'),
        ('signing_indicators_ytd', '每个年初至今统计期一行 / one row per year-to-date period', '签约指标（年初至今粒度）', 'Signing indicators, year to date (cumulative, never add periods)', 'commerce', '无条件共享', '每次同步', 'publish', 'period_start_key、period_end_key → dim_date；行取自 signing_indicators / period_start_key, period_end_key → dim_date; rows of signing_indicators'),
        ('stalled_projects', '每个签约满六个月未落地的项目一行 / one row per project signed over six months ago and not landed', '签约六个月以上未落地项目及下一步责任部门', 'Projects signed more than six months ago and not landed, with the department to act next', 'hub', '无条件共享', '每日', 'publish', 'hub_project_id → fact_project / hub_project_id → fact_project'),
        ('stalled_projects_as_of', '函数：某日每个停滞项目一行 / function: one row per stalled project as of a date', '截至某日的签约未落地项目', 'Projects signed and not landed as of a given date', 'hub', '无条件共享', '每日', 'publish', '列同 stalled_projects / the columns of stalled_projects'),
        ('sync_status', '每个来源一行 / one row per source', '各部门最近一次同步的状态', 'How each department''s last sync went', 'hub', '无条件共享', '每次同步', 'sync', 'source_system → project_sources.source_system / source_system → project_sources.source_system')
),

objects as (
    select
        c.relname::text as object_name,
        case c.relkind
            when 'v' then 'view' when 'r' then 'table' when 'm' then 'materialized view'
            when 'p' then 'table' when 'f' then 'foreign table'
        end as object_type
    from pg_catalog.pg_class as c
    join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
    where n.nspname = 'shared' and c.relkind in ('r', 'v', 'm', 'p', 'f')
    union
    select p.proname::text, 'function'
    from pg_catalog.pg_proc as p
    join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
    where n.nspname = 'shared'
),

files as (
    select regexp_replace(name, '^shared/[0-9]+_(.*)[.]sql$', '\1') as object_name, applied_at
    from meta.schema_repeatables
    where name like 'shared/%'
)

select
    coalesce(s.object_name, o.object_name) as object_name,
    o.object_type,
    s.grain,
    s.description_zh,
    s.description_en,
    s.owning_department,
    s.sharing_class,
    s.update_cycle,
    s.relationships,
    case
        when s.freshness_source = 'publish' then
            (select max(published_at) from meta.publishes)
        when s.freshness_source = 'sync' then
            (select max(last_attempt_at) from meta.sync_runs)
        when s.freshness_source like 'sync:%' then
            (select max(r.last_success_at) from meta.sync_runs as r
             where r.source_system = substr(s.freshness_source, 6))
        when s.freshness_source = 'reference' then
            (select applied_at from meta.schema_repeatables where name = 'reference-data')
        when s.freshness_source = 'definition' then
            (select max(f.applied_at) from files as f
             where f.object_name = s.object_name)
    end as last_refreshed_at,
    s.freshness_source
from seed as s
full join objects as o on o.object_name = s.object_name
cross join core.reader_scope as rs
where rs.all_districts or cardinality(rs.districts) > 0;

comment on view shared.catalog is
    'shared 数据目录：每个对象（视图、表、函数）一行，含粒度、中英文说明、权属部门、共享类别、更新周期、键与关联、最近刷新时间；说明取自本文件中经评审的种子数据，对象类型取自系统目录 / Catalog of schema shared: one row per object (view, table, function) with grain, descriptions in Chinese and English, owning department, sharing class, update cycle, keys and relationships, and last refresh; the descriptions are the reviewed seed in this view''s SQL, the object type comes from the system catalog';
comment on column shared.catalog.object_name is
    '对象名（shared 模式内）/ Object name (in schema shared)';
comment on column shared.catalog.object_type is
    '对象类型：view、table、materialized view、function；为空表示目录有登记而对象尚不存在 / Object type: view, table, materialized view or function; null where the catalog lists an object that does not exist (yet)';
comment on column shared.catalog.grain is
    '粒度：每行代表什么；为空表示对象尚未登记 / Grain: what one row stands for; null where the object is not catalogued yet';
comment on column shared.catalog.description_zh is
    '中文说明 / Description in Chinese';
comment on column shared.catalog.description_en is
    '英文说明 / Description in English';
comment on column shared.catalog.owning_department is
    '权属部门：commerce 商务、land 自然资源（土地）、approval 行政审批、stats 统计、hub 枢纽（跨部门合并）/ Owning department: commerce, land, approval, stats, or hub (merged across departments)';
comment on column shared.catalog.sharing_class is
    '共享类别：无条件共享，或有条件共享（含个人信息、仅限本部门的行、仅限复核员的操作）/ Sharing class: 无条件共享 unconditional, or 有条件共享 conditional (personal data, department-only rows, steward-only actions)';
comment on column shared.catalog.update_cycle is
    '更新周期：每次同步、每日（随日期变化）、参考数据更新时、随版本发布、按需调用 / Update cycle: each sync, daily (moves with the date), when reference data changes, with each release, on call';
comment on column shared.catalog.relationships is
    '键与关联（→ 引用，← 被引用）/ Keys and relationships (→ references, ← referenced by)';
comment on column shared.catalog.last_refreshed_at is
    '数据最近刷新时间（来源见 freshness_source）/ When the data was last refreshed (source in freshness_source)';
comment on column shared.catalog.freshness_source is
    '新鲜度来源：publish 最近发布、sync 最近同步、sync:<部门> 该部门最近成功同步、reference 参考数据加载、definition 定义文件应用 / Freshness source: publish (last publish), sync (last sync attempt), sync:<department> (its last successful sync), reference (reference data load), definition (its SQL file applied)';
