-- `hub dq`: the last run of the checks on the merged core (expectations/core_audit.py).
select audited_at, rows_checked, success, findings, error
from meta.core_audits
order by audited_at desc, audit_id desc
limit 1
