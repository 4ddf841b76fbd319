-- shared.land_quota_usage_quarterly: shared.land_quota_usage at one grain (quarter) (issue 15). land_quota_usage
-- mixes month, quarter and year-to-date rows (period_type says which), so a BI tool that sums
-- it unfiltered double-counts. The contract view stays as it is; BI reads one grain per view:
-- land_quota_usage_monthly, _quarterly and _ytd partition it exactly (tests/integration/
-- test_bi_star.py). Same figures, same district scope (the scope is applied by land_quota_usage;
-- the scope join here keeps a login without a grant out, as every shared view does), plus
-- date keys → dim_date.date_key. Grain: one row per quarter with data (e.g. 2024Q1).
create or replace view shared.land_quota_usage_quarterly with (security_barrier) as
select
    s.period,
    s.period_start,
    s.period_end,
    core.date_key(s.period_start) as period_start_key,
    core.date_key(s.period_end) as period_end_key,
    extract(year from s.period_start)::integer as year,
    extract(quarter from s.period_start)::integer as quarter,
    s.parcels,
    s.area_ha,
    s.quota_used_mu,
    s.area_mu
from shared.land_quota_usage as s
cross join core.reader_scope as rs
where s.period_type = 'quarter'
  and (rs.all_districts or cardinality(rs.districts) > 0);

comment on view shared.land_quota_usage_quarterly is
    '供地与计划指标使用（季粒度）：land_quota_usage 中 period_type = ''quarter'' 的行，每季一行（如 2024Q1），另加 dim_date 日期键；同一粒度内各期互不重叠，可相加计数与金额（占比、增速不可相加） / Land supplied and plan quota used, quarter grain: the rows of land_quota_usage with period_type = ''quarter'', one row per quarter with data (e.g. 2024Q1), plus dim_date keys; periods of one grain never overlap, so counts and amounts add up (shares and growth rates do not)';
comment on column shared.land_quota_usage_quarterly.period is
    '统计期：月 2024-03、季 2024Q1、年初至今 2024YTD03 / Period: month 2024-03, quarter 2024Q1, year to date 2024YTD03';
comment on column shared.land_quota_usage_quarterly.period_start is
    '统计期首日 / First day of the period';
comment on column shared.land_quota_usage_quarterly.period_end is
    '统计期末日 / Last day of the period';
comment on column shared.land_quota_usage_quarterly.period_start_key is
    '统计期首日的日期键 → dim_date.date_key / Date key of the period''s first day → dim_date.date_key';
comment on column shared.land_quota_usage_quarterly.period_end_key is
    '统计期末日的日期键 → dim_date.date_key / Date key of the period''s last day → dim_date.date_key';
comment on column shared.land_quota_usage_quarterly.year is
    '年 / Year';
comment on column shared.land_quota_usage_quarterly.quarter is
    '季度 1–4 / Quarter 1–4';
comment on column shared.land_quota_usage_quarterly.parcels is
    '合同签订日期在期内的有效宗地数 / Valid parcels whose contract date falls in the period';
comment on column shared.land_quota_usage_quarterly.area_ha is
    '供地面积合计（公顷）/ Total area supplied, in hectares';
comment on column shared.land_quota_usage_quarterly.quota_used_mu is
    '使用计划指标合计（亩）/ Total land-plan quota used, in mu';
comment on column shared.land_quota_usage_quarterly.area_mu is
    '供地面积合计（亩）= 公顷×15，四舍五入保留4位小数 / Total area in mu = hectares × 15, rounded half up to 4 decimals';
