-- The batch's rows through the staging view, once, into meta.audit__<batch id>: only the
-- columns the audit reads (sql/staging/audit_tables.sql). Returns the table's name and its
-- row count (the rows in the batch). Params: name, batch_id, columns (text[]).
select table_name, row_count from staging.create_audit_table(%(name)s, %(batch_id)s, %(columns)s)
