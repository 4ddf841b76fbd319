-- staging.stg_land__parcels: the land supply ledger's rows, typed, with English names.
-- GRAIN: one row per raw row of raw.land__parcels (one CSV line of one daily file;
-- an unreadable line is a row too, with is_unreadable and every field NULL).
-- Nothing is filtered here: withdrawn (作废) parcels are valid input. Blank cells become
-- NULL; a value that does not parse becomes NULL beside its *_text original, so the suite
-- in expectations/suites/land__parcels.json can name the reason. 行政区划 is written as a
-- name or alias and mapped to its code through ref.districts / ref.district_aliases.

create or replace view staging.stg_land__parcels as

with

source as (
    select raw_id, batch_id, received_at, source_key, payload, provenance
    from raw.land__parcels
),

typed as (
    select
        ---------- landing
        source.raw_id,
        source.batch_id,
        source.received_at,
        source.source_key,

        ---------- ids and names
        staging.nullif_blank(payload ->> '宗地编号') as parcel_id,
        staging.nullif_blank(payload ->> '项目名称') as project_name,
        staging.nullif_blank(payload ->> '用地单位') as land_user_name,
        staging.nullif_blank(payload ->> '统一社会信用代码') as land_user_uscc,
        staging.nullif_blank(payload ->> '项目代码') as project_code,

        ---------- place
        staging.nullif_blank(payload ->> '行政区划') as district_text,
        district.district_code,

        ---------- the parcel
        staging.nullif_blank(payload ->> '土地用途') as land_use,
        staging.nullif_blank(payload ->> '供地方式') as supply_method,
        staging.nullif_blank(payload ->> '供地面积（公顷）') as area_ha_text,
        staging.try_numeric(payload ->> '供地面积（公顷）') as area_ha,
        staging.nullif_blank(payload ->> '使用计划指标（亩）') as quota_mu_text,
        staging.try_numeric(payload ->> '使用计划指标（亩）') as quota_mu,
        staging.nullif_blank(payload ->> '成交价款（万元）') as price_text,
        staging.try_numeric(payload ->> '成交价款（万元）') as price_wan,

        ---------- contract and status
        staging.nullif_blank(payload ->> '合同签订日期') as contract_on_text,
        staging.try_date(payload ->> '合同签订日期') as contract_on,
        staging.nullif_blank(payload ->> '状态') as status,

        ---------- timestamps (local time without offset: Asia/Shanghai)
        staging.nullif_blank(payload ->> '更新时间') as updated_at_text,
        staging.try_timestamptz(payload ->> '更新时间', '+08:00') as source_updated_at,

        ---------- where it was read
        provenance ->> 'file' as file_name,
        case
            when provenance ->> 'line' ~ '^[0-9]{1,9}$' then (provenance ->> 'line')::int
        end as line_no,
        payload ? '_undecodable_base64' or payload ? '_unparseable_line' as is_unreadable
    from source
    left join lateral (
        select coalesce(
            (select d.district_code from ref.districts as d
             where d.district_name = staging.normalize_name(source.payload ->> '行政区划')),
            (select a.district_code from ref.district_aliases as a
             where a.alias = staging.normalize_name(source.payload ->> '行政区划'))
        ) as district_code
    ) as district on true
)

select * from typed;

comment on view staging.stg_land__parcels is
    '自然资源和规划局土地供应台账（类型化） / Land supply ledger rows, typed. '
    'Grain: one row per raw.land__parcels row';
