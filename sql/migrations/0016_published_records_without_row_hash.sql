-- A publish reads a record as changed when one of its core rows was written since the last
-- publish (meta.publishes.snapshot_xmin), or its row count changed: hashing every row of
-- every record to compare was the largest cost of a full publish at a million records
-- (BENCHMARKS.md), and a row rewritten unchanged only costs its project a recompute.
alter table meta.published_records drop column row_hash;
