-- shared.land_quota_usage_ytd: shared.land_quota_usage at one grain (year to date) (issue 15). land_quota_usage
-- mixes month, quarter and year-to-date rows (period_type says which), so a BI tool that sums
-- it unfiltered double-counts. The contract view stays as it is; BI reads one grain per view:
-- land_quota_usage_monthly, _quarterly and _ytd partition it exactly (tests/integration/
-- test_bi_star.py). Same figures, same district scope (the scope is applied by land_quota_usage;
-- the scope join here keeps a login without a grant out, as every shared view does), plus
-- date keys → dim_date.date_key. Grain: one row per year-to-date period (e.g. 2024YTD03, January through March).
create or replace view shared.land_quota_usage_ytd with (security_barrier) as
select
    s.period,
    s.period_start,
    s.period_end,
    core.date_key(s.period_start) as period_start_key,
    core.date_key(s.period_end) as period_end_key,
    extract(year from s.period_start)::integer as year,
    extract(month from s.period_end)::integer as through_month,
    s.parcels,
    s.area_ha,
    s.quota_used_mu,
    s.area_mu
from shared.land_quota_usage as s
cross join core.reader_scope as rs
where s.period_type = 'ytd'
  and (rs.all_districts or cardinality(rs.districts) > 0);

comment on view shared.land_quota_usage_ytd is
    '供地与计划指标使用（年初至今粒度）：land_quota_usage 中 period_type = ''ytd'' 的行，每个年初至今统计期一行（如 2024YTD03，1月至3月累计），另加 dim_date 日期键；年初至今为累计值，不同统计期不可相加，取所需一期 / Land supplied and plan quota used, year to date grain: the rows of land_quota_usage with period_type = ''ytd'', one row per year-to-date period (e.g. 2024YTD03, January through March), plus dim_date keys; year-to-date rows are cumulative: never add periods, pick the one you need';
comment on column shared.land_quota_usage_ytd.period is
    '统计期：月 2024-03、季 2024Q1、年初至今 2024YTD03 / Period: month 2024-03, quarter 2024Q1, year to date 2024YTD03';
comment on column shared.land_quota_usage_ytd.period_start is
    '统计期首日 / First day of the period';
comment on column shared.land_quota_usage_ytd.period_end is
    '统计期末日 / Last day of the period';
comment on column shared.land_quota_usage_ytd.period_start_key is
    '统计期首日的日期键 → dim_date.date_key / Date key of the period''s first day → dim_date.date_key';
comment on column shared.land_quota_usage_ytd.period_end_key is
    '统计期末日的日期键 → dim_date.date_key / Date key of the period''s last day → dim_date.date_key';
comment on column shared.land_quota_usage_ytd.year is
    '年 / Year';
comment on column shared.land_quota_usage_ytd.through_month is
    '累计截至的月份 1–12 / Month the period runs through, 1–12';
comment on column shared.land_quota_usage_ytd.parcels is
    '合同签订日期在期内的有效宗地数 / Valid parcels whose contract date falls in the period';
comment on column shared.land_quota_usage_ytd.area_ha is
    '供地面积合计（公顷）/ Total area supplied, in hectares';
comment on column shared.land_quota_usage_ytd.quota_used_mu is
    '使用计划指标合计（亩）/ Total land-plan quota used, in mu';
comment on column shared.land_quota_usage_ytd.area_mu is
    '供地面积合计（亩）= 公顷×15，四舍五入保留4位小数 / Total area in mu = hectares × 15, rounded half up to 4 decimals';
