-- End of an audit, whatever happened: the batch's audit table is dropped. Params: table.
select staging.drop_audit_table(%(table)s)
