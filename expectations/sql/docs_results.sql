-- The validation results the Data Docs show (expectations/docs.py): the last
-- %(per_source)s non-empty audited batches of each source entity, and the last run of the
-- suite on the merged core. run_name labels the run in the site.
select suite, run_name, audited_at, validation_result
from (
    select
        source_system || '__' || entity as suite,
        batch_id as run_name,
        audited_at,
        validation_result,
        row_number() over (
            partition by source_system, entity order by audited_at desc, batch_id desc
        ) as recency
    from meta.batch_audits
    where validation_result is not null
) as batches
where recency <= %(per_source)s
union all
(
    select 'core__projects', 'core-' || to_char(audited_at at time zone 'UTC', 'YYYYMMDD"T"HH24MISS"Z"'),
        audited_at, validation_result
    from meta.core_audits
    where validation_result is not null
    order by audited_at desc
    limit 1
)
order by suite, audited_at
