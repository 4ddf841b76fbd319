-- The latest publish (meta.publishes), for `hub status`: full or incremental, and how much
-- it recomputed. Grain: at most one row.
select publish_id, published_at, scope, records_changed, projects_recomputed, projects
from meta.publishes
order by publish_id desc
limit 1
