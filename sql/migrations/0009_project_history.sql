-- Survivorship provenance and history of the merged project record (issue 10).
-- core.projects.provenance: for each attribute chosen from a source record, which record it
-- came from (filled by sql/core/refresh_projects.sql; null on rows published before this
-- migration until the next publish). core.projects_history: every published version of every
-- core.projects row with the interval it was published in, kept by
-- sql/core/record_project_history.sql in the publish transaction; shared.projects_as_of reads it.
-- Its columns are core.projects' columns plus valid_from/valid_to: a column added to
-- core.projects must be added here too (record_project_history compares whole rows).

alter table core.projects add column provenance jsonb;

comment on column core.projects.provenance is
    '各属性取自哪条源记录（属性名 → {source_system, source_key}）；本迁移前发布的行在下次发布前为空 / Which source record each attribute came from (attribute → {source_system, source_key}); null on rows published before this migration until the next publish';

create table core.projects_history (
    hub_project_id bigint not null,
    project_code text,
    project_name text,
    investor_name text,
    investor_uscc text,
    company_name text,
    company_uscc text,
    district_code text,
    district_name text,
    capital_type text,
    origin_country text,
    origin_province text,
    origin_city text,
    industry_category text,
    industry_chain text,
    is_manufacturing boolean,
    signed_investment_wan numeric,
    planned_investment_wan numeric,
    stage text,
    stage_zh text,
    negotiation_started_on date,
    signed_on date,
    landed_on date,
    construction_started_on date,
    stats_included_month date,
    production_on date,
    terminated_on date,
    completed_investment_ytd_wan numeric,
    latest_stats_period text,
    land_area_mu numeric,
    land_quota_mu numeric,
    sources text[] not null,
    needs_review boolean not null,
    updated_at timestamptz not null,
    provenance jsonb,
    valid_from timestamptz not null,
    valid_to timestamptz,
    primary key (hub_project_id, valid_from),
    check (valid_to > valid_from)
);
-- at most one current (open) version per project
create unique index projects_history_current_uq
    on core.projects_history (hub_project_id) where valid_to is null;

comment on table core.projects_history is
    '合并项目记录的发布历史：每个发布版本一行，valid_from 起生效，valid_to 止（为空即当前版本）/ Published versions of the merged project record: one row per version, published from valid_from until valid_to (null = current)';
comment on column core.projects_history.valid_from is
    '该版本开始发布的时间（发布事务时间）/ When this version was published (the publishing transaction''s time)';
comment on column core.projects_history.valid_to is
    '该版本被替换或项目移出的时间；为空表示仍是当前版本 / When this version was replaced or the project left the record; null while current';

-- Upgrade of a warehouse that already publishes: each current row has been published,
-- unchanged, since its updated_at — that is where its first known version starts.
insert into core.projects_history (
    hub_project_id, project_code, project_name, investor_name, investor_uscc, company_name,
    company_uscc, district_code, district_name, capital_type, origin_country, origin_province,
    origin_city, industry_category, industry_chain, is_manufacturing, signed_investment_wan,
    planned_investment_wan, stage, stage_zh, negotiation_started_on, signed_on, landed_on,
    construction_started_on, stats_included_month, production_on, terminated_on,
    completed_investment_ytd_wan, latest_stats_period, land_area_mu, land_quota_mu, sources,
    needs_review, updated_at, provenance, valid_from
)
select
    hub_project_id, project_code, project_name, investor_name, investor_uscc, company_name,
    company_uscc, district_code, district_name, capital_type, origin_country, origin_province,
    origin_city, industry_category, industry_chain, is_manufacturing, signed_investment_wan,
    planned_investment_wan, stage, stage_zh, negotiation_started_on, signed_on, landed_on,
    construction_started_on, stats_included_month, production_on, terminated_on,
    completed_investment_ytd_wan, latest_stats_period, land_area_mu, land_quota_mu, sources,
    needs_review, updated_at, provenance, updated_at
from core.projects;
