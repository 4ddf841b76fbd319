-- Drop roster rows of a period whose current revision (per the stats connector's committed
-- state) is newer than the rows': the newer revision no longer lists them.
-- Grain: statement. Params: none. Idempotent.
delete from core.stats_roster as t
using meta.source_state as s,
    lateral jsonb_each(s.state -> 'periods') as p (period, info)
where s.source_system = 'stats'
  and t.period = p.period
  and t.revision < (p.info ->> 'revision')::integer
