-- The steps of a run (hub/steps.py), by COPY.
copy meta.sync_steps (
    run_id, source_system, batch_id, step, started_at, seconds, row_count, succeeded
) from stdin
