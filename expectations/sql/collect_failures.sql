-- Every failing row of one batch, for every check of the suite, in one pass over the
-- staging view. Each row carries an array with one element per check: the check's number
-- when the row fails it, else NULL; unnesting it (beside the array of reasons) yields one
-- row per failed check. "offset 0" keeps the view from being flattened into this query,
-- so each typed column is computed once per row however many checks read it.
-- expectations/runner.py composes the placeholders with psycopg.sql (identifiers and
-- literals, never string formatting): the staging view, the batch id, the array elements
-- "case when <condition> then <check number> end", and the reasons in check order.
insert into audit_failures (check_no, raw_id, reason)
select failed.check_no, batch.raw_id, failed.reason
from (select * from {view} where batch_id = {batch_id} offset 0) as batch
cross join lateral unnest(array[{checks}], array[{reasons}]) as failed (check_no, reason)
where failed.check_no is not null;
