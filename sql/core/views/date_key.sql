-- core.date_key(d): the day d as the integer yyyymmdd, the key of shared.dim_date and of every
-- *_date_key / period_*_key column that joins to it; null for null. One immutable expression,
-- so PostgreSQL inlines it into the views that call it. Readers are granted EXECUTE on it
-- (sql/grants/010_roles.sql), as on the other functions shared views call.
create or replace function core.date_key(d date) returns integer
language sql immutable parallel safe
return (extract(year from d) * 10000 + extract(month from d) * 100 + extract(day from d))::integer;

comment on function core.date_key(date) is
    '日期键 yyyymmdd（dim_date.date_key）/ The day as the integer yyyymmdd (dim_date.date_key)';
