-- One typed batch, read by both the audit and the merge (issue 12). Each landed batch is
-- typed once, through its staging view, into meta.typed__<batch id> (an unlogged table,
-- made and dropped by staging.type_batch / staging.drop_typed_batch, sql/staging/
-- typed_batches.sql). This table is the record of those tables: which exist, since when,
-- and how often a batch had to be typed (once, unless the server restarted in between,
-- which may empty an unlogged table, or an upgrade changed the staging views).

create table meta.typed_batches (
    batch_id text primary key,
    source_system text not null,
    entity text not null,
    table_name text not null,
    row_count bigint not null,
    typed_at timestamptz not null,
    typing_seconds numeric(12, 3) not null,
    times_typed int not null default 1,
    dropped_at timestamptz
);

comment on table meta.typed_batches is
    '类型化批次表登记：每个落地批次经暂存视图类型化一次，审计与合并共用，合并或放行后删除 / Typed batch tables: each landed batch typed once through its staging view, read by audit and merge, dropped once merged or released';
comment on column meta.typed_batches.batch_id is '批次编号 / Batch id';
comment on column meta.typed_batches.source_system is '来源部门系统 / Source system';
comment on column meta.typed_batches.entity is '来源实体 / Source entity';
comment on column meta.typed_batches.table_name is 'meta 模式下的类型化批次表名 / Name of the typed batch table in schema meta';
comment on column meta.typed_batches.row_count is '批次行数 / Rows in the batch';
comment on column meta.typed_batches.typed_at is '最近一次类型化的时间 / When the batch was last typed';
comment on column meta.typed_batches.typing_seconds is '最近一次类型化语句耗时（秒）/ Seconds the last typing statement took';
comment on column meta.typed_batches.times_typed is '类型化次数（正常为 1；服务器重启或升级后需重做）/ Times the batch was typed (1, unless a server restart or an upgrade made it redo)';
comment on column meta.typed_batches.dropped_at is '表删除时间（合并或放行后）；为空表示表仍在 / When the table was dropped (merged or released); null while it exists';
