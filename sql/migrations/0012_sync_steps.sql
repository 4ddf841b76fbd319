-- How long each step of a sync took (issue 13): one row per step of a run, kept per run so a
-- step whose cost grows faster than its input shows in `hub status` and can be compared
-- across runs. A run is one `hub sync` (or one DAG run, or one release); its ingest steps name
-- their department and batch, its publishing steps name neither.

create table meta.sync_steps (
    step_id bigint generated always as identity primary key,
    run_id text not null,
    source_system text,
    batch_id text,
    step text not null,
    started_at timestamptz not null,
    seconds numeric(12, 3) not null,
    row_count bigint,
    succeeded boolean not null
);

create index sync_steps_run_ix on meta.sync_steps (run_id);
create index sync_steps_started_ix on meta.sync_steps (started_at desc);

comment on table meta.sync_steps is
    '同步各步骤耗时，每次运行每步一行（hub status 显示最近一次）/ Time of each step of a sync, one row per step per run (hub status shows the latest run)';
comment on column meta.sync_steps.step_id is '步骤记录编号 / Step record id';
comment on column meta.sync_steps.run_id is '运行编号（一次 hub sync、一次 DAG 运行或一次放行）/ Run id (one hub sync, DAG run or release)';
comment on column meta.sync_steps.source_system is '部门系统；发布步骤为空 / Department; null for a publishing step';
comment on column meta.sync_steps.batch_id is '批次编号；发布步骤为空 / Batch id; null for a publishing step';
comment on column meta.sync_steps.step is '步骤：land, audit, batch_checks, merge, hold; statistics, resolve, milestones, lifecycle, projects, history, discrepancies, core_audit / Step name';
comment on column meta.sync_steps.started_at is '开始时间 / When the step started';
comment on column meta.sync_steps.seconds is '耗时（秒）/ Seconds it took';
comment on column meta.sync_steps.row_count is '处理的记录数（适用时）/ Records it handled, where that applies';
comment on column meta.sync_steps.succeeded is '是否成功完成 / Whether it completed';
