-- shared.land_parcels: land supply (供地) records with the hub project they belong to.
-- Grain: one row per parcel (宗地编号), withdrawn (作废) parcels included; hub_project_id is
-- null while the parcel is not linked to a live hub project.
create or replace view shared.land_parcels with (security_barrier) as
select
    lp.parcel_id,
    p.hub_project_id,
    lp.project_name,
    lp.land_user_name,
    lp.district_code,
    lp.land_use,
    lp.supply_method,
    lp.area_ha,
    round(lp.area_ha * 15, 4) as area_mu,
    lp.quota_mu,
    lp.price_wan,
    lp.contract_on,
    lp.status
from core.land_parcels as lp
left join core.project_links as l
    on l.source_system = 'land' and l.source_key = lp.parcel_id
left join core.projects as p on p.hub_project_id = l.hub_project_id
cross join core.reader_scope as rs
where (rs.all_districts or coalesce(p.district_code, lp.district_code) = any (rs.districts));

comment on view shared.land_parcels is
    '供地宗地：每宗地一行（含作废宗地）/ Land parcels supplied: one row per parcel (withdrawn ones included)';
comment on column shared.land_parcels.parcel_id is
    '宗地编号 / Parcel id (宗地编号)';
comment on column shared.land_parcels.hub_project_id is
    '所属枢纽项目编号；未关联在用项目时为空 / Hub project id; null while not linked to a live project';
comment on column shared.land_parcels.project_name is
    '土地台账中的项目名称 / Project name as the land register writes it';
comment on column shared.land_parcels.land_user_name is
    '土地使用权人 / Land user (holder of the land-use right)';
comment on column shared.land_parcels.district_code is
    '宗地所在区（市）行政区划代码 / District code of the parcel';
comment on column shared.land_parcels.land_use is
    '土地用途（如 工业用地、仓储用地、商服用地）/ Land use (e.g. 工业用地 industrial, 仓储用地 warehousing)';
comment on column shared.land_parcels.supply_method is
    '供地方式：出让 或 划拨 / Supply method: 出让 sale of use rights or 划拨 allocation';
comment on column shared.land_parcels.area_ha is
    '供地面积（公顷）/ Area supplied, in hectares';
comment on column shared.land_parcels.area_mu is
    '供地面积（亩）= 公顷×15，四舍五入保留4位小数 / Area supplied in mu = hectares × 15, rounded half up to 4 decimals';
comment on column shared.land_parcels.quota_mu is
    '使用计划指标（亩）/ Land-plan quota used, in mu';
comment on column shared.land_parcels.price_wan is
    '成交价款（万元），划拨为空 / Transaction price in 万元; null for allocation (划拨)';
comment on column shared.land_parcels.contract_on is
    '合同签订日期 / Date the land contract was signed';
comment on column shared.land_parcels.status is
    '宗地状态：有效 或 作废（来源原值）/ Parcel status as the source writes it: 有效 valid or 作废 withdrawn';
