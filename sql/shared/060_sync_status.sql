-- shared.sync_status: how each department's last sync went. Grain: one row per source.
-- Not district data, so every granted login sees the status; but the connector state and
-- the run's detail (an error may quote a record) only a login granted all districts sees.
-- A login without a grant sees nothing (core.reader_scope).
create or replace view shared.sync_status with (security_barrier) as
select
    r.source_system, r.last_success_at, r.last_attempt_at, r.last_status,
    r.records_last_run, r.rejected_last_run,
    case when rs.all_districts then s.state end as watermark,
    case when rs.all_districts then r.detail end as detail
from meta.sync_runs as r
left join meta.source_state as s on s.source_system = r.source_system
cross join core.reader_scope as rs
where rs.all_districts or cardinality(rs.districts) > 0;

comment on view shared.sync_status is
    '各部门同步状态：每个来源一行 / How each department''s last sync went: one row per source';
comment on column shared.sync_status.source_system is
    '来源部门：commerce、approval、land、stats / Source department';
comment on column shared.sync_status.last_success_at is
    '最近一次成功同步时间 / When the last successful sync finished';
comment on column shared.sync_status.last_attempt_at is
    '最近一次尝试同步时间 / When the last sync was attempted';
comment on column shared.sync_status.last_status is
    '最近一次同步状态：running、ok、failed、held（批次检查未通过，待审核）/ Status of the last sync: running, ok, failed, or held (a batch check failed; awaiting review)';
comment on column shared.sync_status.records_last_run is
    '最近一次同步接收的记录数 / Records received in the last sync';
comment on column shared.sync_status.rejected_last_run is
    '最近一次同步拒收的记录数 / Records rejected in the last sync';
comment on column shared.sync_status.watermark is
    '连接器状态（水位线、游标、已读文件、统计期修订号；仅全区用户可见）/ Connector state (watermark, cursor, files seen, period revisions); all-district logins only';
comment on column shared.sync_status.detail is
    '最近一次同步的说明或错误信息（仅全区用户可见）/ Detail or error message of the last sync; all-district logins only';
