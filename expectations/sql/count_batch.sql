-- Rows in the batch (the staging view has one row per raw row).
select count(*) from {raw_table} where batch_id = %(batch_id)s;
