-- The steps of the latest run (hub/steps.py), in the order they started, for `hub status`.
-- Grain: one row per step of that run.
select run_id, step, source_system, batch_id, row_count, seconds, succeeded, started_at
from meta.sync_steps
where run_id = (select run_id from meta.sync_steps order by started_at desc, step_id desc limit 1)
order by started_at, step_id
