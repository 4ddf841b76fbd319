-- staging.stg_land__parcels: the land supply ledger's rows, typed, with English names.
-- GRAIN: one row per raw row of raw.land__parcels (one CSV line of one daily file;
-- an unreadable line is a row too, with is_unreadable and every field NULL).
-- Nothing is filtered here: withdrawn (作废) parcels are valid input. Blank cells become
-- NULL; a value that does not parse becomes NULL beside its *_text original, so the suite
-- in expectations/suites/land__parcels.json can name the reason. 行政区划 is written as a
-- name or alias and mapped to its code through ref.districts / ref.district_aliases (a
-- district's own name first; both are unique, so the joins never multiply a row).
-- Speed: the payload is taken apart once per row (jsonb_to_record), not once per field, and
-- the parsers are the inlinable / SET-free twins of sql/staging/000_parsing.sql.

-- Dropped and created again, so a column may be added anywhere (no other object reads it).
drop view if exists staging.stg_land__parcels;

create or replace view staging.stg_land__parcels as

with

source as (
    select raw_id, batch_id, received_at, source_key, payload, provenance
    from raw.land__parcels
),

fields as (
    select
        source.raw_id, source.batch_id, source.received_at, source.source_key,
        source.payload -> '_landing_findings' as landing_findings,
        source.provenance ->> 'file' as provenance_file,
        source.provenance ->> 'line' as provenance_line,
        source.payload ? '_undecodable_base64' or source.payload ? '_unparseable_line'
            as unreadable,
        staging.name_key(f."行政区划") as district_key,
        f.*
    from source
    cross join lateral jsonb_to_record(source.payload) as f (
        "宗地编号" text, "项目名称" text, "用地单位" text, "统一社会信用代码" text,
        "项目代码" text, "行政区划" text, "土地用途" text, "供地方式" text,
        "供地面积（公顷）" text, "使用计划指标（亩）" text, "成交价款（万元）" text,
        "合同签订日期" text, "状态" text, "更新时间" text
    )
),

typed as (
    select
        ---------- landing
        fields.raw_id,
        fields.batch_id,
        fields.received_at,
        fields.source_key,

        ---------- ids and names
        staging.blank_to_null("宗地编号") as parcel_id,
        staging.blank_to_null("项目名称") as project_name,
        staging.blank_to_null("用地单位") as land_user_name,
        staging.blank_to_null("统一社会信用代码") as land_user_uscc,
        staging.blank_to_null("项目代码") as project_code,

        ---------- place
        staging.blank_to_null("行政区划") as district_text,
        coalesce(by_name.district_code, by_alias.district_code) as district_code,

        ---------- the parcel
        staging.blank_to_null("土地用途") as land_use,
        staging.blank_to_null("供地方式") as supply_method,
        staging.blank_to_null("供地面积（公顷）") as area_ha_text,
        staging.parse_numeric("供地面积（公顷）") as area_ha,
        staging.blank_to_null("使用计划指标（亩）") as quota_mu_text,
        staging.parse_numeric("使用计划指标（亩）") as quota_mu,
        staging.blank_to_null("成交价款（万元）") as price_text,
        staging.parse_numeric("成交价款（万元）") as price_wan,

        ---------- contract and status
        staging.blank_to_null("合同签订日期") as contract_on_text,
        staging.parse_date("合同签订日期") as contract_on,
        staging.blank_to_null("状态") as status,

        ---------- timestamps (local time without offset: Asia/Shanghai)
        staging.blank_to_null("更新时间") as updated_at_text,
        staging.parse_timestamptz("更新时间", '+08:00') as source_updated_at,

        ---------- where it was read
        provenance_file as file_name,
        case
            when provenance_line ~ '^[0-9]{1,9}$' then provenance_line::int
        end as line_no,
        unreadable as is_unreadable,


        ---------- what landing found (hub/warehouse/storable.py): the paths of the values
        -- that were escaped or are unusable, as a JSON array; NULL when none
        landing_findings ->> 'invalid_text' as findings_invalid_text,
        landing_findings ->> 'invalid_number' as findings_invalid_number,
        landing_findings ->> 'invalid_type' as findings_invalid_type,
        landing_findings ->> 'value_too_long' as findings_value_too_long,
        landing_findings ->> 'unreadable_row' as findings_unreadable_row
    from fields
    left join ref.districts as by_name on by_name.district_name = fields.district_key
    left join ref.district_aliases as by_alias on by_alias.alias = fields.district_key
)

select * from typed;

comment on view staging.stg_land__parcels is
    '自然资源和规划局土地供应台账（类型化） / Land supply ledger rows, typed. '
    'Grain: one row per raw.land__parcels row';
