-- The bulletin (hub/report/period.py): the last month of a year to date `2024YTD`, the month
-- of the year's latest year-to-date row of shared.signing_indicators (a past year: December;
-- the latest year: its latest month with data). Grain: one row; last_month is null when the
-- year has no row (the caller then picks today's month or December).
select max(extract(month from si.period_end))::integer as last_month
from shared.signing_indicators as si
where si.period_type = 'ytd'
  and si.period_start = make_date(%(year)s, 1, 1)
