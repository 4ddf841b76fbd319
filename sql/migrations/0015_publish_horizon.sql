-- Finding what changed without reading everything (issue 13): a publish keeps the oldest
-- transaction its snapshot could not see, and the next publish reads as changed only the
-- core rows written since (hub/resolve/scope.py). Deleted rows leave no trace of their own:
-- a record gone is found by its key, a stats project that lost a period's row by its count.

alter table meta.published_records
    add column row_count int not null default 1;

alter table meta.publishes
    add column snapshot_xmin bigint;

comment on column meta.published_records.row_count is '该记录在核心表中的行数（统计：各期名录行）/ Rows of the record in its core table (stats: its roster rows, one per period)';
comment on column meta.publishes.snapshot_xmin is '发布开始时其快照看不到的最早事务号（xid8）：此后写入的核心行在下次发布时视为可能变化 / Oldest transaction (xid8) the publish''s snapshot could not see: core rows written by it or later are read as possibly changed by the next publish';
