-- Name blocks the scope's changed entities are in now (hub/resolve/scope.py computes them),
-- as attributes of round %(round)s; those already followed are kept as they were.
insert into scope_attributes (kind, value, round)
select 'block', block::text, %(round)s
from unnest(%(blocks)s::int[]) as block
on conflict (kind, value) do nothing
