-- One meta.rejects row per failing raw row of the batch: every reason it breaks (unique,
-- in code-point order) and the record verbatim from raw, with the district its payload names
-- (which scopes who may see it). Re-auditing a batch adds nothing.
-- The raw table's name is composed by expectations/runner.py with psycopg.sql.Identifier.
insert into meta.rejects (
    source_system, entity, raw_id, batch_id, source_key, received_at,
    reasons, payload, context, provenance, district_code
)
select
    %(source_system)s, %(entity)s, r.raw_id, r.batch_id, r.source_key, r.received_at,
    f.reasons, r.payload, r.context, r.provenance,
    d.district_code
from (
    select raw_id, array_agg(distinct reason collate "C" order by reason collate "C") as reasons
    from audit_failures
    group by raw_id
) as f
join {raw_table} as r on r.raw_id = f.raw_id
cross join lateral core.payload_district(%(source_system)s, r.payload) as d
on conflict (source_system, entity, raw_id) do nothing;
