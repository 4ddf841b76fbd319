-- `hub dq`: the last %(per_source)s audited batches of each source that brought rows (or
-- were held), newest first, with what the record-level suite and the batch-level checks
-- found. Grain: one row per batch.
-- Params: per_source, source_system (null = every source).
with audits as (
    select
        a.*,
        b.status,
        b.detail,
        row_number() over (
            partition by a.source_system order by a.audited_at desc, a.batch_id desc
        ) as recency
    from meta.batch_audits as a
    join meta.batches as b on b.batch_id = a.batch_id
    where (%(source_system)s::text is null or a.source_system = %(source_system)s)
        and (a.rows_checked > 0 or b.status = 'held')
)
select
    source_system,
    batch_id,
    audited_at,
    status,
    rows_checked,
    rows_rejected,
    records_received,
    audit_seconds,
    released_at,
    released_by,
    -- the three most frequent reasons: [[reason, rows], ...]
    coalesce((
        select jsonb_agg(jsonb_build_array(r.key, r.value) order by r.value::bigint desc, r.key)
        from (
            select key, value from jsonb_each(audits.reasons)
            order by value::bigint desc, key
            limit 3
        ) as r
    ), '[]'::jsonb) as top_reasons,
    coalesce((
        select jsonb_agg(c) from jsonb_array_elements(audits.batch_checks) as c
        where c ->> 'status' = 'failed'
    ), '[]'::jsonb) as failed_checks,
    (
        select count(*) from jsonb_array_elements(audits.batch_checks) as c
        where c ->> 'status' = 'skipped'
    ) as skipped_checks,
    jsonb_array_length(audits.batch_checks) as batch_checks
from audits
where recency <= %(per_source)s
order by array_position(array['commerce', 'approval', 'land', 'stats'], source_system),
    audited_at desc, batch_id desc
