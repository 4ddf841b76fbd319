-- Schemas, reference tables, raw landing tables and sync bookkeeping.
-- Raw is append-only: one row per distinct version of a source record
-- (unique on source_key + content_hash), the payload verbatim.

create schema if not exists raw;
create schema if not exists staging;
create schema if not exists core;
create schema if not exists meta;
create schema if not exists ref;
create schema if not exists shared;

comment on schema raw is '原始落地层：各部门记录原样保存，只增不改 / Raw landing: department records verbatim, append-only';
comment on schema staging is '标准化层：类型转换与单位、日期、区划归一 / Staging: typed, normalised views over raw';
comment on schema core is '核心层：各源当前版本、项目归并与生命周期 / Core: current source records, resolved projects, lifecycle';
comment on schema meta is '运行元数据：同步状态、批次、拒收记录 / Pipeline bookkeeping: sync state, batches, rejects';
comment on schema ref is '参考数据：区划、重点区域、产业链 / Reference data: districts, regions, industry chains';
comment on schema shared is '共享发布层：各部门与 BI 读取的契约 / Published contract read by departments and BI tools';

-- Reference data (reloaded from HUB_REFERENCE_DIR on every upgrade).
create table if not exists ref.districts (
    district_code text primary key,
    district_name text not null unique
);
create table if not exists ref.district_aliases (
    alias text primary key,
    district_code text not null references ref.districts (district_code)
);
create table if not exists ref.regions (
    region text not null,
    province text not null,
    city text,
    unique nulls not distinct (region, province, city)
);
create table if not exists ref.industry_chains (
    industry_chain text primary key,
    industry_category text not null,
    is_manufacturing boolean not null
);

-- One landing batch per source per sync.
create table if not exists meta.batches (
    batch_id text primary key,
    source_system text not null,
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    status text not null default 'running',   -- running | landed | validated | held | failed
    records_received bigint not null default 0,
    records_new bigint not null default 0,
    detail text
);

-- Connector state (watermark, cursor, seen files, period revisions), advanced only in
-- the transaction that lands the records it covers.
create table if not exists meta.source_state (
    source_system text primary key,
    state jsonb not null default '{}'::jsonb,
    updated_at timestamptz not null default now()
);

create table if not exists meta.incidents (
    incident_id bigint generated always as identity primary key,
    source_system text not null,
    batch_id text,
    kind text not null,
    detail text not null,
    detected_at timestamptz not null default now()
);

create table if not exists meta.sync_runs (
    source_system text primary key,
    last_success_at timestamptz,
    last_attempt_at timestamptz,
    last_status text,
    records_last_run bigint,
    rejected_last_run bigint,
    detail text
);
