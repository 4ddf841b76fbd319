-- Raw landing tables, one per department stream: raw.<dept>__<entity>.
-- payload: the record verbatim; context: what makes it a distinct version besides its
-- payload (stats: period and revision); provenance: where it was read (land: file, line).
-- content_hash: sha256 over payload and context (not provenance), so a re-read of the same
-- version lands once.

create table if not exists raw.commerce__projects (
    raw_id bigint generated always as identity primary key,
    batch_id text not null,
    received_at timestamptz not null,
    source_key text,
    content_hash text not null,
    payload jsonb not null,
    context jsonb not null default '{}'::jsonb,
    provenance jsonb not null default '{}'::jsonb
);
create table if not exists raw.approval__events (like raw.commerce__projects including all);
create table if not exists raw.land__parcels (like raw.commerce__projects including all);
create table if not exists raw.stats__roster (like raw.commerce__projects including all);

create unique index if not exists commerce__projects_version_uq on raw.commerce__projects (source_key, content_hash) nulls not distinct;
create unique index if not exists approval__events_version_uq on raw.approval__events (source_key, content_hash) nulls not distinct;
create unique index if not exists land__parcels_version_uq on raw.land__parcels (source_key, content_hash) nulls not distinct;
create unique index if not exists stats__roster_version_uq on raw.stats__roster (source_key, content_hash) nulls not distinct;
create index if not exists commerce__projects_batch_ix on raw.commerce__projects (batch_id);
create index if not exists approval__events_batch_ix on raw.approval__events (batch_id);
create index if not exists land__parcels_batch_ix on raw.land__parcels (batch_id);
create index if not exists stats__roster_batch_ix on raw.stats__roster (batch_id);

-- Every record the hub cannot use, with all its reasons. History is kept: a later valid
-- version of the same key marks the reject resolved rather than deleting it.
create table if not exists meta.rejects (
    reject_id bigint generated always as identity primary key,
    source_system text not null,
    entity text not null,
    raw_id bigint not null,
    batch_id text not null,
    source_key text,
    received_at timestamptz not null,
    reasons text[] not null,
    payload jsonb not null,
    context jsonb not null default '{}'::jsonb,
    provenance jsonb not null default '{}'::jsonb,
    resolved_at timestamptz,
    unique (source_system, entity, raw_id)
);
create index if not exists rejects_key_ix on meta.rejects (source_system, source_key);
