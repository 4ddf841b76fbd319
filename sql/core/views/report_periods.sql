-- core.report_periods: the reporting periods of the monthly dispatch and quarterly bulletin
-- (月度调度 / 季度通报) that cover a set of months with data. One row per period: every month
-- with data (2024-03), every quarter with data (2024Q1), and year-to-date periods (2024YTD03)
-- from each year's first month with data through December — or through the latest month with
-- data in the latest year, so no period lies beyond the data. next_start is exclusive.
-- Used by shared.signing_indicators and shared.land_quota_usage, which must agree on periods.
create or replace function core.report_periods(data_months date[])
returns table (period text, period_type text, period_start date, next_start date)
language sql
stable
set search_path = pg_catalog
as $$
    with

    months as (
        select distinct date_trunc('month', m::timestamp)::date as month_start
        from unnest(data_months) as m
        where m is not null
    ),

    years as (
        select date_trunc('year', month_start::timestamp)::date as year_start,
               min(month_start) as first_month
        from months
        group by 1
    )

    ---------- months
    select
        to_char(month_start, 'YYYY-MM'),
        'month',
        month_start,
        (month_start + interval '1 month')::date
    from months

    ---------- quarters
    union all
    select distinct
        to_char(month_start, 'YYYY"Q"Q'),
        'quarter',
        date_trunc('quarter', month_start::timestamp)::date,
        (date_trunc('quarter', month_start::timestamp) + interval '3 months')::date
    from months

    ---------- year to date, through each month
    union all
    select
        to_char(g.month_start, 'YYYY"YTD"MM'),
        'ytd',
        y.year_start,
        (g.month_start + interval '1 month')::date
    from years as y
    cross join lateral generate_series(
        y.first_month::timestamp,
        least(y.year_start + interval '11 months', (select max(month_start) from months)),
        interval '1 month'
    ) as g (month_start)
$$;
comment on function core.report_periods(date[]) is
    '报表期间（月、季、年初至今）/ Reporting periods (month, quarter, year to date) covering the given months';
