-- The bulletin (hub/report/data.py): the period's row of shared.signing_indicators, by its
-- name there: a month 2024-03, a quarter 2024Q1, a year to date 2024YTD03
-- (contracts/warehouse.md "Signing indicators"). Grain: at most one row; none when the period
-- has no counted project. Read in the bulletin's one repeatable-read snapshot.
select si.*
from shared.signing_indicators as si
where si.period = %(period)s
