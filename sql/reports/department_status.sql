-- `hub status`: each department's last sync — its status, when it last succeeded, and the
-- one-line reason when it failed or was held (shared.sync_status, as departments see it).
select source_system, last_status, last_success_at, last_attempt_at, detail
from shared.sync_status
order by source_system
