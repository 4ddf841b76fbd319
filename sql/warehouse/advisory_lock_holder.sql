-- Who holds a session advisory lock taken with one bigint key below 2^32 (hub/warehouse/locks.py):
-- PostgreSQL files such a key as classid 0, objid = the key, objsubid 1.
-- Grain: at most one row. Params: key.
select a.pid, a.application_name, a.client_addr, a.backend_start
from pg_locks as l
join pg_stat_activity as a on a.pid = l.pid
where l.locktype = 'advisory'
  and l.granted
  and l.classid = 0
  and l.objid = %(key)s::bigint::oid
  and l.objsubid = 1
limit 1
