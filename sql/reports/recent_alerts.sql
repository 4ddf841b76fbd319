-- `hub status`: the Airflow alerts of the last day, newest first.
select raised_at, kind, source_system, dag_id, task_id, try_number, detail
from meta.alerts
where raised_at > now() - interval '1 day'
order by raised_at desc
limit 20
