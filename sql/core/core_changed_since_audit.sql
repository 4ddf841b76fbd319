-- Whether the core suite and the Data Docs have anything new to show since the last core
-- audit that ran (hub/pipeline.py): a version of a published project opened or closed since
-- (core.projects_history), or a non-empty batch audited since (the Data Docs show the last
-- non-empty ones). When neither, a sync that published nothing new skips them. Params: none.
-- One row: changed.
with last_audit as (
    select coalesce(max(audited_at), '-infinity'::timestamptz) as at
    from meta.core_audits
    where error is null
)
select
    exists (
        select 1 from core.projects_history as h, last_audit
        where h.valid_from > last_audit.at or h.valid_to > last_audit.at
    )
    or exists (
        select 1 from meta.batch_audits as a, last_audit
        where a.audited_at > last_audit.at and a.rows_checked > 0
    )
    or (select at from last_audit) = '-infinity'::timestamptz as changed
