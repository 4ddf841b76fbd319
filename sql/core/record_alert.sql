-- Keep an Airflow alert (meta.alerts). A failed task of one department also marks that
-- department 'failed' in the run bookkeeping (shared.sync_status), with the alert's detail:
-- the failure may have come before the hub could record it (a sensor that gave up, a task
-- killed by its timeout or lost with its worker). An overdue alert leaves the status alone:
-- the run it is about may still finish.
-- Params: kind, source_system, dag_id, task_id, run_id, try_number, detail.
with alert as (
    insert into meta.alerts (kind, source_system, dag_id, task_id, run_id, try_number, detail)
    values (
        %(kind)s, %(source_system)s, %(dag_id)s, %(task_id)s, %(run_id)s, %(try_number)s,
        %(detail)s
    )
    returning alert_id
)
insert into meta.sync_runs (source_system, last_attempt_at, last_status, detail)
select %(source_system)s, now(), 'failed', %(detail)s
from alert
where %(kind)s = 'task_failed' and %(source_system)s::text is not null
on conflict (source_system) do update set last_status = 'failed', detail = excluded.detail
