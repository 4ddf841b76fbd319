-- shared.rejected_records: every record the hub could not use, verbatim, with all reasons.
-- Grain: one row per rejected record version.
create or replace view shared.rejected_records with (security_barrier) as
select
    r.source_system, r.entity, r.source_key, r.received_at, r.reasons, r.payload, r.batch_id,
    r.provenance, r.resolved_at, r.resolved_at is not null as is_resolved, r.district_code
from meta.rejects as r
cross join core.reader_scope as rs
-- A department's user sees its own department's rows only; other readers (BI, stewards)
-- see every department's rows but not payloads (column grants in sql/grants). A view does
-- not change current_user, so the check is the reader's own membership. Payloads carry
-- personal data (commerce contacts), so the district scope applies as to projects: a reject
-- whose payload names no known district is seen by all-district logins only. Who reads
-- core anyway (owner, loader, superuser) sees every department's rows.
where (
        rs.reads_core
        or not exists (
            select 1 from pg_roles as d
            where d.rolname like 'dept\_%' and pg_has_role(current_user, d.oid, 'usage')
        )
        or exists (
            select 1 from pg_roles as d
            where d.rolname = 'dept_' || r.source_system
              and pg_has_role(current_user, d.oid, 'usage')
        )
    )
    and (rs.all_districts or r.district_code = any (rs.districts));

comment on view shared.rejected_records is
    '未采用的源记录：原样保存并列出全部原因，每个被拒版本一行 / Records the hub could not use, verbatim with every reason: one row per rejected record version';
comment on column shared.rejected_records.source_system is
    '来源部门：commerce、approval、land、stats / Source department';
comment on column shared.rejected_records.entity is
    '源数据流实体（如 projects、events、parcels、roster）/ Source stream entity (e.g. projects, events, parcels, roster)';
comment on column shared.rejected_records.source_key is
    '源记录主键，无法识别时为空 / Source record key; null when it could not be read';
comment on column shared.rejected_records.received_at is
    '接收时间 / When the record was received';
comment on column shared.rejected_records.reasons is
    '拒收原因（全部列出）/ Every reason the record was rejected';
comment on column shared.rejected_records.payload is
    '原始记录（原样）/ The record verbatim';
comment on column shared.rejected_records.batch_id is
    '落地批次编号 / Landing batch id';
comment on column shared.rejected_records.provenance is
    '读取位置（如土地文件名与行号）/ Where the record was read (e.g. land file and line)';
comment on column shared.rejected_records.resolved_at is
    '同一主键的后续有效版本到达、该拒收已解决的时间 / When a later valid version of the same key resolved the reject';
comment on column shared.rejected_records.is_resolved is
    '是否已被后续有效版本解决 / Whether a later valid version has resolved it';
comment on column shared.rejected_records.district_code is
    '载荷所属区划代码（无法识别时为空，仅全区用户可见）/ District the payload names; null when unknown (then seen by all-district logins only)';
