-- shared.dim_date: the calendar dimension of the BI star (issue 15). Grain: one row per day,
-- whole years from 1 January of the year of the earliest date in the data (milestone
-- evidence, land-parcel contracts) to 31 December of the year of the latest one or of today,
-- whichever is later: a few thousand rows, generated when read, never a fixed huge range.
-- Both bounds come from indexes (migration 0018: core.project_milestones (occurred_on),
-- core.land_parcels (contract_on)), so reading the bounds costs two index probes.
-- Key: date_key (yyyymmdd integer), which the facts' *_date_key columns and the per-grain
-- indicator views' period_start_key / period_end_key carry; calendar_date is the same day as
-- a date. Visible to every granted login, as dim_district.
create or replace view shared.dim_date with (security_barrier) as
with

bounds as (
    select
        date_trunc('year', least(
            (select min(occurred_on) from core.project_milestones),
            (select min(contract_on) from core.land_parcels),
            current_date
        ))::date as first_day,
        (date_trunc('year', greatest(
            (select max(occurred_on) from core.project_milestones),
            (select max(contract_on) from core.land_parcels),
            current_date
        )) + interval '1 year - 1 day')::date as last_day
),

days as (
    select d::date as calendar_date
    from bounds, generate_series(bounds.first_day, bounds.last_day, interval '1 day') as d
)

select
    core.date_key(calendar_date) as date_key,
    calendar_date,
    extract(year from calendar_date)::integer as year,
    extract(quarter from calendar_date)::integer as quarter,
    extract(month from calendar_date)::integer as month,
    extract(day from calendar_date)::integer as day_of_month,
    extract(isodow from calendar_date)::integer as day_of_week,
    (array['星期一', '星期二', '星期三', '星期四', '星期五', '星期六', '星期日'])[
        extract(isodow from calendar_date)::integer] as weekday_zh,
    extract(week from calendar_date)::integer as iso_week,
    to_char(calendar_date, 'YYYY') as year_label,
    to_char(calendar_date, 'YYYY"Q"Q') as quarter_label,
    to_char(calendar_date, 'YYYY-MM') as month_label,
    to_char(calendar_date, 'YYYY"YTD"MM') as ytd_label,
    to_char(calendar_date, 'YYYY"年"FMMM"月"') as month_label_zh,
    date_trunc('month', calendar_date)::date as month_start,
    (date_trunc('month', calendar_date) + interval '1 month - 1 day')::date as month_end,
    date_trunc('quarter', calendar_date)::date as quarter_start,
    (date_trunc('quarter', calendar_date) + interval '3 months - 1 day')::date as quarter_end,
    date_trunc('year', calendar_date)::date as year_start,
    calendar_date = (date_trunc('month', calendar_date) + interval '1 month - 1 day')::date
        as is_month_end,
    calendar_date > current_date as is_future
from days
cross join core.reader_scope as rs
where rs.all_districts or cardinality(rs.districts) > 0;

comment on view shared.dim_date is
    '日期维度（BI 星型模型）：每天一行，覆盖数据所及的整年（最早证据或供地日期所在年的1月1日至最晚日期或今天所在年的12月31日）；主键 date_key（yyyymmdd），被各事实表的 *_date_key 及分粒度指标视图的 period_start_key / period_end_key 引用 / Calendar dimension of the BI star: one row per day over the whole years the data spans (1 January of the earliest evidence or contract date''s year to 31 December of the year of the latest date or today); key date_key (yyyymmdd), referenced by the facts'' *_date_key and the per-grain indicator views'' period_start_key / period_end_key';
comment on column shared.dim_date.date_key is
    '日期键，整数 yyyymmdd（如 20240315），主键 ← fact_project.signed_date_key 等 / Date key, integer yyyymmdd (e.g. 20240315), primary key ← fact_project.signed_date_key etc.';
comment on column shared.dim_date.calendar_date is
    '日期（date 类型），与 date_key 一一对应 / The day as a date, one to one with date_key';
comment on column shared.dim_date.year is
    '年 / Year';
comment on column shared.dim_date.quarter is
    '季度 1–4 / Quarter 1–4';
comment on column shared.dim_date.month is
    '月 1–12 / Month 1–12';
comment on column shared.dim_date.day_of_month is
    '日 1–31 / Day of the month 1–31';
comment on column shared.dim_date.day_of_week is
    '星期（ISO：1 星期一 … 7 星期日）/ Day of the week, ISO (1 Monday … 7 Sunday)';
comment on column shared.dim_date.weekday_zh is
    '星期中文名 / Weekday in Chinese';
comment on column shared.dim_date.iso_week is
    'ISO 周次 / ISO week number';
comment on column shared.dim_date.year_label is
    '年标签，如 2024 / Year label, e.g. 2024';
comment on column shared.dim_date.quarter_label is
    '季度标签，如 2024Q1，同 signing_indicators.period 的季度写法 / Quarter label, e.g. 2024Q1, as signing_indicators.period writes quarters';
comment on column shared.dim_date.month_label is
    '月份标签，如 2024-03，同 signing_indicators.period 的月份写法 / Month label, e.g. 2024-03, as signing_indicators.period writes months';
comment on column shared.dim_date.ytd_label is
    '截至本月的年初至今统计期标签，如 2024YTD03 / Label of the year-to-date period through this month, e.g. 2024YTD03';
comment on column shared.dim_date.month_label_zh is
    '中文月份标签，如 2024年3月 / Month label in Chinese, e.g. 2024年3月';
comment on column shared.dim_date.month_start is
    '所在月首日 / First day of the month';
comment on column shared.dim_date.month_end is
    '所在月末日 / Last day of the month';
comment on column shared.dim_date.quarter_start is
    '所在季度首日 / First day of the quarter';
comment on column shared.dim_date.quarter_end is
    '所在季度末日 / Last day of the quarter';
comment on column shared.dim_date.year_start is
    '所在年首日 / First day of the year';
comment on column shared.dim_date.is_month_end is
    '是否月末 / Whether the day is the last of its month';
comment on column shared.dim_date.is_future is
    '是否晚于今天 / Whether the day is after today';
