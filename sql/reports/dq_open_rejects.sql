-- `hub dq`: records rejected and not resolved by a later valid version, per source and
-- reason (a record with two reasons counts under both). Grain: source × reason.
select r.source_system, reason, count(*) as records
from meta.rejects as r
cross join lateral unnest(r.reasons) as reason
where r.resolved_at is null
group by r.source_system, reason
order by array_position(array['commerce', 'approval', 'land', 'stats'], r.source_system),
    count(*) desc, reason
