-- One publish into meta.publishes: the fingerprints taken at its end (hub/publishing.py),
-- whether it was full or incremental, what it recomputed, and the oldest transaction its
-- snapshot could not see (the next publish reads rows written since as possibly changed).
insert into meta.publishes (
    inputs_fingerprint, projects, code_fingerprint, hub_tables_fingerprint, scope,
    records_changed, projects_recomputed, snapshot_xmin
)
values (
    %(inputs)s, %(projects)s, %(rules)s, %(hub_tables)s, %(scope)s,
    %(changed)s, %(recomputed)s, %(horizon)s
)
