-- How many transactions ago began the oldest one the last publish's snapshot could not see
-- (hub/resolve/scope.py); no row before the first publish.
select pg_current_xact_id()::text::bigint - snapshot_xmin as horizon
from meta.publishes
order by publish_id desc
limit 1
