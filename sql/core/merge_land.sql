-- Merge one audited land batch into core.land_parcels.
-- Reads {batch}: the batch, typed once (meta.typed__<batch>, hub/warehouse/typed_batches.py).
-- Grain: one row per parcel (宗地编号).
-- A later file replaces an earlier one; within a file the last row wins: (file name, line)
-- order decides, not landing order — a late .done marker can land an older file after a
-- newer one. A withdrawn (作废) parcel stays, marked by its status. Unreadable lines have no
-- key and never reach core. At the same (file, line) the later-landed version wins (raw_id):
-- a re-delivered file that an operator re-pulled (`hub sync --dates`) replaces its old rows.
with

batch_latest as (
    select distinct on (s.source_key)
        s.source_key, s.parcel_id, s.project_name, s.land_user_name, s.land_user_uscc,
        s.project_code, s.district_code, s.land_use, s.supply_method, s.area_ha, s.quota_mu,
        s.price_wan, s.contract_on, s.status, s.source_updated_at, s.file_name, s.line_no,
        s.raw_id, s.batch_id,
        exists (
            select 1 from meta.rejects as r
            where r.source_system = 'land' and r.entity = 'parcels' and r.raw_id = s.raw_id
        ) as is_rejected
    from {batch} as s
    where s.source_key is not null
    order by s.source_key, s.file_name desc, s.line_no desc, s.raw_id desc
),

removed as (
    delete from core.land_parcels as t
    using batch_latest as b
    where b.is_rejected and t.parcel_id = b.source_key
      and (t.file_name, t.line_no, t.raw_id) < (b.file_name, b.line_no, b.raw_id)
    returning t.parcel_id
)

insert into core.land_parcels as t (
    parcel_id, project_name, land_user_name, land_user_uscc, project_code, district_code,
    land_use, supply_method, area_ha, quota_mu, price_wan, contract_on, status,
    source_updated_at, file_name, line_no, raw_id, batch_id
)
select
    parcel_id, project_name, land_user_name, land_user_uscc, project_code, district_code,
    land_use, supply_method, area_ha, quota_mu, price_wan, contract_on, status,
    source_updated_at, file_name, line_no, raw_id, batch_id
from batch_latest
where not is_rejected
on conflict (parcel_id) do update set
    project_name = excluded.project_name,
    land_user_name = excluded.land_user_name,
    land_user_uscc = excluded.land_user_uscc,
    project_code = excluded.project_code,
    district_code = excluded.district_code,
    land_use = excluded.land_use,
    supply_method = excluded.supply_method,
    area_ha = excluded.area_ha,
    quota_mu = excluded.quota_mu,
    price_wan = excluded.price_wan,
    contract_on = excluded.contract_on,
    status = excluded.status,
    source_updated_at = excluded.source_updated_at,
    file_name = excluded.file_name,
    line_no = excluded.line_no,
    raw_id = excluded.raw_id,
    batch_id = excluded.batch_id
where (t.file_name, t.line_no, t.raw_id) < (excluded.file_name, excluded.line_no, excluded.raw_id)
