-- Core layer: the current valid version of every source record, the hub's projects and
-- how source records link to them, lifecycle evidence and the merged project record.

---------- current source records (one row per source key; rejected versions never enter)
create table core.commerce_projects (
    project_no text primary key,
    project_name text,
    investor_name text,
    investor_uscc text,
    project_company_name text,
    project_company_uscc text,
    origin_country text,
    origin_province text,
    origin_city text,
    capital_type text,
    industry_category text,
    industry_chain text,
    is_manufacturing boolean,
    total_investment_wan numeric,
    foreign_investment_usd_wan numeric,
    district_code text,
    stage text,
    negotiation_started_on date,
    signed_on date,
    project_code text,
    contact_person text,
    contact_phone text,
    is_deleted boolean not null default false,
    source_updated_at timestamptz,
    raw_id bigint not null,
    batch_id text not null
);

create table core.approval_events (
    event_id text primary key,
    project_code text,
    project_name text,
    applicant_name text,
    applicant_uscc text,
    district_code text,
    matter text,
    decision text,
    decided_at timestamptz,
    document_no text,
    total_investment_wan numeric,
    supersedes_event_id text,
    raw_id bigint not null,
    batch_id text not null
);

create table core.land_parcels (
    parcel_id text primary key,
    project_name text,
    land_user_name text,
    land_user_uscc text,
    project_code text,
    district_code text,
    land_use text,
    supply_method text,
    area_ha numeric,
    quota_mu numeric,
    price_wan numeric,
    contract_on date,
    status text,
    source_updated_at timestamptz,
    file_name text,
    line_no integer,
    raw_id bigint not null,
    batch_id text not null
);

create table core.stats_roster (
    period text not null,
    stat_project_id text not null,
    revision integer not null,
    project_code text,
    project_name text,
    legal_unit_name text,
    legal_unit_uscc text,
    district_code text,
    industry_code text,
    planned_investment_wan numeric,
    completed_investment_ytd_wan numeric,
    start_month date,
    included_month date,
    status text,
    completed_on date,
    raw_id bigint not null,
    batch_id text not null,
    primary key (period, stat_project_id)
);
create index stats_roster_project_ix on core.stats_roster (stat_project_id);

---------- hub projects and links
create sequence core.hub_project_id_seq;

create table core.hub_projects (
    hub_project_id bigint primary key default nextval('core.hub_project_id_seq'),
    created_at timestamptz not null default now(),
    retired_at timestamptz,
    retired_into bigint references core.hub_projects (hub_project_id)
);

create table core.project_links (
    source_system text not null,
    source_key text not null,
    hub_project_id bigint not null references core.hub_projects (hub_project_id),
    match_method text not null,
    match_score numeric,
    linked_at timestamptz not null default now(),
    primary key (source_system, source_key)
);
create index project_links_project_ix on core.project_links (hub_project_id);

create table core.project_milestones (
    hub_project_id bigint not null,
    milestone text not null,
    occurred_on date,
    source_system text not null,
    source_key text not null,
    primary key (hub_project_id, milestone, source_system, source_key)
);

create table core.projects (
    hub_project_id bigint primary key references core.hub_projects (hub_project_id),
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
    needs_review boolean not null default false,
    updated_at timestamptz not null default now()
);
create index projects_district_ix on core.projects (district_code);

create table core.discrepancies (
    hub_project_id bigint not null,
    kind text not null,
    detail text not null,
    departments text[] not null,
    detected_at timestamptz not null default now(),
    primary key (hub_project_id, kind)
);

create table core.match_candidates (
    candidate_id bigint generated always as identity primary key,
    source_system text not null,
    source_key text not null,
    hub_project_id bigint not null,
    score numeric not null,
    evidence jsonb not null,
    status text not null default 'open',   -- open | accepted | rejected | superseded
    decided_by text,
    decided_at timestamptz,
    note text,
    created_at timestamptz not null default now(),
    unique (source_system, source_key, hub_project_id)
);
