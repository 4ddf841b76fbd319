-- One batch's audit row (expectations/batch_checks.py). Params: batch_id.
select batch_id, source_system, entity, rows_checked, rows_rejected, profile,
    records_received, full_reread
from meta.batch_audits
where batch_id = %(batch_id)s
