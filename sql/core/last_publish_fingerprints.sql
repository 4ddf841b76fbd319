-- The fingerprints the last publish kept (hub/publishing.py); no row before the first.
select inputs_fingerprint, hub_tables_fingerprint, code_fingerprint
from meta.publishes
order by publish_id desc
limit 1
