-- Bookkeeping for `hub db upgrade`; runs first, before any migration. Idempotent.
create schema if not exists meta;
create table if not exists meta.schema_migrations (
    name text primary key,
    checksum text not null,
    kind text not null default 'versioned',
    applied_at timestamptz not null default now()
);
create table if not exists meta.schema_repeatables (
    name text primary key,
    checksum text not null,
    applied_at timestamptz not null default now()
);
