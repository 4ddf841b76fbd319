-- The bulletin's charts (hub/report/data.py): the projects counted by the signing indicators
-- in one period — shared.projects signed from %(period_start)s through %(period_end)s at
-- signed_investment_wan >= 10000 (亿元以上), terminated ones included, the same set as
-- shared.signing_indicators (contracts/warehouse.md "Signing indicators") — broken down by:
--   origin_province  来源省份 (null → 未知; a foreign-capital project without one → 境外);
--   key_region       京津冀 / 长三角 / 粤港澳大湾区 (ref.regions; a region row with a city
--                    matches only that city), every region listed, zeros included;
--   industry         industry_category (优势产业 / 新兴产业 / 现代服务业 first, zeros included;
--                    others and 未分类 after);
--   district         district_name (null → 未知).
-- Grain: one row per (dimension, label). Amounts: exact numeric 亿元, one decimal, half up.
with

counted as (
    select p.*
    from shared.projects as p
    where p.signed_on between %(period_start)s::date and %(period_end)s::date
      and p.signed_investment_wan >= 10000
),

labelled as (
    select
        c.signed_investment_wan,
        coalesce(
            c.origin_province,
            case when c.capital_type is distinct from '内资' and c.origin_country is not null
                 and c.origin_country <> '中国' then '境外' end,
            '未知'
        ) as origin_province,
        (
            select min(r.region) from ref.regions as r
            where r.province = c.origin_province
              and (r.city is null or r.city = c.origin_city)
        ) as key_region,
        coalesce(c.industry_category, '未分类') as industry,
        coalesce(c.district_name, '未知') as district
    from counted as c
),

regions as (
    select distinct r.region from ref.regions as r
),

industries (label, sort_key) as (
    values ('优势产业', 1), ('新兴产业', 2), ('现代服务业', 3)
),

rows as (
    select 'origin_province' as dimension, l.origin_province as label,
           count(*) as projects, sum(l.signed_investment_wan) as investment_wan, 0 as sort_key
    from labelled as l
    group by l.origin_province

    union all

    select 'key_region', rg.region, count(l.key_region), coalesce(sum(l.signed_investment_wan), 0), 0
    from regions as rg
    left join labelled as l on l.key_region = rg.region
    group by rg.region

    union all

    select 'industry', coalesce(i.label, l.industry), count(l.industry),
           coalesce(sum(l.signed_investment_wan), 0), coalesce(min(i.sort_key), 9)
    from industries as i
    full join labelled as l on l.industry = i.label
    group by coalesce(i.label, l.industry)

    union all

    select 'district', l.district, count(*), sum(l.signed_investment_wan), 0
    from labelled as l
    group by l.district
)

select
    r.dimension,
    r.label,
    r.projects,
    round(r.investment_wan / 10000, 1) as investment_yi
from rows as r
order by r.dimension, r.sort_key, r.projects desc, r.investment_wan desc, r.label
