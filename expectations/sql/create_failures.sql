-- Scratch table for one audit: one row per (check, failing raw row). Dropped at commit.
create temporary table audit_failures (
    check_no int not null,
    raw_id bigint not null,
    reason text not null
) on commit drop;
