-- Every failing row of one batch, for every check of the suite, in one pass over the
-- batch's typed rows (meta.audit__<batch id>, see type_batch.sql). A row failing any check
-- (the OR of all conditions) gets the array of the checks it fails (each element "case when
-- <condition> then <check number> end", NULLs removed), unnested to one row per failed check
-- with the check's reason from the array of reasons (in check order). Rows that pass
-- everything, nearly all of them, cost one evaluation of each condition and nothing more.
-- expectations/runner.py composes the placeholders with psycopg.sql (never string
-- formatting): the audit table, the conditions, the check elements and the reasons.
insert into audit_failures (check_no, raw_id, reason)
select failed.check_no, flagged.raw_id, (array[{reasons}])[failed.check_no + 1]
from (
    select batch.raw_id, array_remove(array[{checks}], null) as checks
    from {audit_table} as batch
    where {any_check}
) as flagged
cross join lateral unnest(flagged.checks) as failed (check_no);
