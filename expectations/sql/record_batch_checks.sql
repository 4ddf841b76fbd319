-- The outcome of the batch-level checks, kept with the batch's audit. Params: batch_id,
-- batch_checks (jsonb).
update meta.batch_audits
set batch_checks = %(batch_checks)s
where batch_id = %(batch_id)s
