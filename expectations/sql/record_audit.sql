-- One row per audited batch in meta.batch_audits; re-auditing a batch replaces its row
-- (and keeps a release already recorded). The batch-level checks fill batch_checks later.
insert into meta.batch_audits as a (
    batch_id, source_system, entity, audited_at, rows_checked, rows_rejected, reasons,
    profile, records_received, full_reread, suite_success, audit_seconds, validation_result
)
values (
    %(batch_id)s, %(source_system)s, %(entity)s, now(), %(rows_checked)s, %(rows_rejected)s,
    %(reasons)s, %(profile)s, %(records_received)s, %(full_reread)s, %(suite_success)s,
    %(audit_seconds)s, %(validation_result)s
)
on conflict (batch_id) do update set
    audited_at = excluded.audited_at,
    rows_checked = excluded.rows_checked,
    rows_rejected = excluded.rows_rejected,
    reasons = excluded.reasons,
    profile = excluded.profile,
    records_received = coalesce(excluded.records_received, a.records_received),
    full_reread = excluded.full_reread or a.full_reread,
    suite_success = excluded.suite_success,
    audit_seconds = excluded.audit_seconds,
    validation_result = coalesce(excluded.validation_result, a.validation_result)
