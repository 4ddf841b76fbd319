-- Who may see what, and what stewards decided.
-- meta.access_scopes: a login limited to one district (hub access grant --district); a login
-- with no row sees every district. core.steward_decisions: a steward's accept/reject of a
-- match candidate, kept by source record so it survives re-linking and full resyncs.

create table meta.access_scopes (
    login text not null,
    district_code text not null,  -- checked against ref.districts by `hub access grant`
    granted_at timestamptz not null default now(),
    primary key (login, district_code)
);

create table core.steward_decisions (
    source_system text not null,
    source_key text not null,
    hub_project_id bigint not null,
    decision text not null check (decision in ('accept', 'reject')),
    decided_by text not null,
    decided_at timestamptz not null default now(),
    note text,
    primary key (source_system, source_key, hub_project_id)
);
