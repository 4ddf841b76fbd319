-- End the sessions a revoked login still has open; only those this user may signal.
select count(*) filter (where pg_terminate_backend(a.pid)) as ended
from pg_stat_activity as a
where a.usesysid = %(login_oid)s
  and a.pid <> pg_backend_pid()
