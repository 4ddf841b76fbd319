-- A reject is resolved once a later version of the same record (same source and
-- source_key, landed after it) passes every check in this batch. It is marked, not deleted.
-- The raw table's name is composed by expectations/runner.py with psycopg.sql.Identifier.
update meta.rejects as old
set resolved_at = now()
from {raw_table} as r
where r.batch_id = %(batch_id)s
    and old.source_system = %(source_system)s
    and old.entity = %(entity)s
    and old.resolved_at is null
    and old.source_key = r.source_key
    and old.raw_id < r.raw_id
    and not exists (select 1 from audit_failures as f where f.raw_id = r.raw_id);
