-- The raw tables' dedupe index (source_key, content_hash) compares bytes ("C") instead of
-- the database's collation. The index exists for uniqueness alone (COPY and
-- `on conflict do nothing` in landing; no query looks rows up through it), and for a
-- deterministic collation — every database default is one — equal under the collation
-- means equal bytes, so exactly the same versions are duplicates. What changes is the cost
-- of landing: each row inserted compares its key with some twenty index entries, and with
-- the database collation (C.UTF-8 here) each comparison goes through strcoll. Measured
-- with a COPY of 100,000 rows committed every 500 (bench/floor.py's method): server CPU
-- 1.78–1.85 s → 1.65 s for commerce, 1.30–1.54 s → 1.28–1.33 s for land.
-- `on conflict (source_key, content_hash)` still infers this index: a conflict target
-- without COLLATE matches an index of any collation.

drop index raw.commerce__projects_version_uq;
create unique index commerce__projects_version_uq
    on raw.commerce__projects (source_key collate "C", content_hash collate "C") nulls not distinct;

drop index raw.approval__events_version_uq;
create unique index approval__events_version_uq
    on raw.approval__events (source_key collate "C", content_hash collate "C") nulls not distinct;

drop index raw.land__parcels_version_uq;
create unique index land__parcels_version_uq
    on raw.land__parcels (source_key collate "C", content_hash collate "C") nulls not distinct;

drop index raw.stats__roster_version_uq;
create unique index stats__roster_version_uq
    on raw.stats__roster (source_key collate "C", content_hash collate "C") nulls not distinct;

comment on index raw.commerce__projects_version_uq is
    '原始记录版本去重（逐字节比较） / One row per version: (source_key, content_hash), compared bytewise';
comment on index raw.approval__events_version_uq is
    '原始记录版本去重（逐字节比较） / One row per version: (source_key, content_hash), compared bytewise';
comment on index raw.land__parcels_version_uq is
    '原始记录版本去重（逐字节比较） / One row per version: (source_key, content_hash), compared bytewise';
comment on index raw.stats__roster_version_uq is
    '原始记录版本去重（逐字节比较） / One row per version: (source_key, content_hash), compared bytewise';
