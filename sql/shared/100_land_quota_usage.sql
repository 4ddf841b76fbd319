-- shared.land_quota_usage: land supplied and land-plan quota used, per reporting period.
-- Grain: one row per period that has data, in the signing_indicators scheme: month
-- (2024-03), quarter (2024Q1) and year to date (2024YTD03). Counted: valid (有效) parcels whose
-- contract_on falls in the period; withdrawn (作废) parcels never count.
-- "Has data": a month or quarter with at least one such parcel; a YTD period from the year's
-- first month with data up to December, or up to the latest month with data in that year
-- when it is the latest year (no YTD period beyond the data).
create or replace view shared.land_quota_usage with (security_barrier) as

with

valid_parcels as (
    select contract_on, area_ha, quota_mu
    from core.land_parcels
    cross join core.reader_scope as rs
    where status = '有效' and contract_on is not null
      and (rs.all_districts or district_code = any (rs.districts))
),

periods as (
    select * from core.report_periods(array(select contract_on from valid_parcels))
)

select
    pr.period,
    pr.period_start,
    pr.next_start - 1 as period_end,
    pr.period_type,
    count(*) as parcels,
    coalesce(sum(v.area_ha), 0) as area_ha,
    coalesce(sum(v.quota_mu), 0) as quota_used_mu,
    round(coalesce(sum(v.area_ha), 0) * 15, 4) as area_mu
from periods as pr
join valid_parcels as v on v.contract_on >= pr.period_start and v.contract_on < pr.next_start
group by pr.period, pr.period_start, pr.next_start, pr.period_type
order by pr.period;

comment on view shared.land_quota_usage is
    '供地与计划指标使用情况：每个统计期（月、季、年初至今）一行，仅计有效宗地 / Land supplied and plan quota used: one row per period (month, quarter, year to date), valid parcels only';
comment on column shared.land_quota_usage.period is
    '统计期：月 2024-03、季 2024Q1、年初至今 2024YTD03 / Period: month 2024-03, quarter 2024Q1, year to date 2024YTD03';
comment on column shared.land_quota_usage.period_start is
    '统计期首日 / First day of the period';
comment on column shared.land_quota_usage.period_end is
    '统计期末日 / Last day of the period';
comment on column shared.land_quota_usage.period_type is
    '统计期类型：month、quarter、ytd / Period type: month, quarter or ytd (year to date)';
comment on column shared.land_quota_usage.parcels is
    '合同签订日期在期内的有效宗地数 / Valid parcels whose contract date falls in the period';
comment on column shared.land_quota_usage.area_ha is
    '供地面积合计（公顷）/ Total area supplied, in hectares';
comment on column shared.land_quota_usage.quota_used_mu is
    '使用计划指标合计（亩）/ Total land-plan quota used, in mu';
comment on column shared.land_quota_usage.area_mu is
    '供地面积合计（亩）= 公顷×15，四舍五入保留4位小数 / Total area in mu = hectares × 15, rounded half up to 4 decimals';
