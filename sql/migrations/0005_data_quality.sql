-- Data-quality bookkeeping: what each batch audit found, and what the checks on the merged
-- core found (expectations/README.md). `hub dq` reports from these tables
-- (sql/reports/dq_*.sql); the GX Data Docs are rebuilt from the stored validation results.

-- One row per audited landing batch (re-auditing a batch replaces its row).
create table if not exists meta.batch_audits (
    batch_id text primary key,
    source_system text not null,
    entity text not null,
    audited_at timestamptz not null default now(),
    rows_checked bigint not null,
    rows_rejected bigint not null,
    -- {"<reason code>": rows with that reason} of the record-level suite
    reasons jsonb not null default '{}'::jsonb,
    -- what later batches of the source are compared with: row counts, null counts of the
    -- watched optional columns, duplicate keys, rows per stats period / land file
    profile jsonb not null default '{}'::jsonb,
    -- the batch-level checks and their outcome: [{"check", "status": passed|failed|skipped,
    -- "detail"}, ...]; any failed one holds the batch (meta.batches.status = 'held')
    batch_checks jsonb not null default '[]'::jsonb,
    records_received bigint,
    full_reread boolean not null default false,
    suite_success boolean not null,
    audit_seconds numeric,
    -- the GX validation result (JSON), kept to rebuild the Data Docs after each sync
    validation_result jsonb,
    released_at timestamptz,
    released_by text,
    release_note text
);
create index if not exists batch_audits_source_ix
    on meta.batch_audits (source_system, audited_at desc);

comment on table meta.batch_audits is
    '每个落地批次的数据质量审计结果 / Data-quality audit of each landing batch: rows checked and rejected, reasons, batch checks, GX result';

-- One row per run of the suite on the merged core (expectations/suites/core__projects.json).
create table if not exists meta.core_audits (
    audit_id bigint generated always as identity primary key,
    audited_at timestamptz not null default now(),
    rows_checked bigint not null,
    -- false when an expectation of severity "critical" failed; warnings do not count
    success boolean not null,
    -- [{"check", "reason", "severity", "failing_rows", "sample_hub_project_ids", "description"}]
    findings jsonb not null default '[]'::jsonb,
    error text,
    validation_result jsonb
);
create index if not exists core_audits_time_ix on meta.core_audits (audited_at desc);

comment on table meta.core_audits is
    '合并后项目表（core.projects）的质量检查结果 / Data-quality checks on the merged project record (core.projects), one row per run';
