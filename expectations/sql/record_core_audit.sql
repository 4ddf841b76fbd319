-- One run of the core suite (expectations/core_audit.py).
insert into meta.core_audits (rows_checked, success, findings, validation_result)
values (%(rows_checked)s, %(success)s, %(findings)s, %(validation_result)s)
