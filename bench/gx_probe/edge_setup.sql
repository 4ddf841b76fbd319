-- A small table for edge cases of GX's unexpected_index_query (quotes, %, backslashes,
-- dates, booleans, a mixed-case column, pairs of columns, row conditions).
drop table if exists meta.edge_cases;
create table meta.edge_cases (
    raw_id bigint primary key,
    name text, kind text, amount numeric, flag boolean, code text, d date, ts timestamptz,
    a int, b int, "Mixed Case" text, pct text, uscc text
);
insert into meta.edge_cases values
 (1, 'O''Brien', 'x',   10,  true,  'AB-1', '2024-01-01', '2024-01-01 10:00+00', 1, 1, 'ok',  '50%',  '91350100M000100Y43'),
 (2, 'Smith',    'y',   -5,  false, 'AB-2', '2019-12-31', '2024-01-01 10:00+00', 1, 2, 'bad', '50',   '91350100M000100Y44'),
 (3, null,       'x',   null, null, 'ab-3', '2024-06-01', '2030-01-01 00:00+00', 2, 2, 'ok',  '5%%',  null),
 (4, 'Zed\a',    'z',   1e9, true,  'AB\4', '2025-01-01', null,                  3, 1, 'ok',  '%',    'SHORT'),
 (5, 'Smith',    'y',   20,  true,  'AB-5', null,         '2024-01-01 10:00+00', 5, 5, null,  '100%', '91350100M000100Y43'),
 (6, 'O''Brien', 'x',   30,  false, 'AB-6', '2024-02-29', '2024-01-01 10:00+00', 4, 6, 'ok',  'x',    '91350100M000100Y43');
