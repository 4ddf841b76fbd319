-- A reject is resolved once a later version of the same record (same source and
-- source_key, landed after it) passes every check in this batch. It is marked, not deleted.
-- Driven by the keys that pass in this batch (one pass over the audit table, failures
-- looked up in a hash), joined to the source's unresolved rejects.
-- The audit table's name is composed by expectations/runner.py with psycopg.sql.Identifier.
with passing as (
    select r.source_key, max(r.raw_id) as raw_id
    from {audit_table} as r
    where r.source_key is not null
        -- not exists, never not in: audit_failures is a temp table (never analysed), and a
        -- not-in subplan the planner cannot hash rescans it for every row
        and not exists (select 1 from audit_failures as f where f.raw_id = r.raw_id)
    group by r.source_key
)
update meta.rejects as old
set resolved_at = now()
from passing as p
where old.source_system = %(source_system)s
    and old.entity = %(entity)s
    and old.resolved_at is null
    and old.source_key = p.source_key
    and old.raw_id < p.raw_id;
