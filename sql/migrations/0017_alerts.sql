-- What went wrong under Airflow (issue 14): a task that failed for good, and a department's
-- ingest that missed its deadline. Written by the DAGs' failure Notifier and Deadline Alert
-- callback (dags/hub_airflow/alerts.py, hub/alerts.py), read by `hub status`. A failed ingest
-- also marks its department 'failed' in meta.sync_runs, so shared.sync_status shows it.

create table meta.alerts (
    alert_id bigint generated always as identity primary key,
    raised_at timestamptz not null default now(),
    kind text not null check (kind in ('task_failed', 'overdue')),
    source_system text,
    dag_id text not null,
    task_id text,
    run_id text,
    try_number integer,
    detail text not null
);

create index alerts_raised_ix on meta.alerts (raised_at desc);

comment on table meta.alerts is
    'Airflow 告警：最终失败的任务与超期未完成的部门采集 / Airflow alerts: tasks that failed for good and department ingests past their deadline';
comment on column meta.alerts.alert_id is '告警编号 / Alert id';
comment on column meta.alerts.raised_at is '告警时间 / When raised';
comment on column meta.alerts.kind is '类型：task_failed 任务失败，overdue 采集超期 / Kind: task_failed or overdue';
comment on column meta.alerts.source_system is '涉及的部门系统；发布等跨部门任务为空 / Department concerned; null for a cross-department task such as publishing';
comment on column meta.alerts.dag_id is 'Airflow DAG 编号 / Airflow DAG id';
comment on column meta.alerts.task_id is 'Airflow 任务编号；超期告警为空 / Airflow task id; null for an overdue alert';
comment on column meta.alerts.run_id is 'Airflow DAG 运行编号 / Airflow DAG run id';
comment on column meta.alerts.try_number is '第几次尝试 / Try number of the failed task';
comment on column meta.alerts.detail is '一行原因（已脱敏）/ One-line reason, redacted';
