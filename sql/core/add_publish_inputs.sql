-- The records named in {keys} (a temporary table of source_system, source_key), as entity
-- resolution compares them (hub.resolve.records), with input_hash over the compared fields
-- (equal to the last publish's in meta.published_records: resolution sees no change) and
-- row_count, the record's rows in its core table. Into publish_inputs; records already there
-- are kept.
-- company_*: the local project company (commerce project company, approval applicant, land
-- user, stats legal unit); investor_*: commerce only; amount_wan: commerce signed, approval
-- filed, stats planned investment; first_on: the record's own milestone date (date-order
-- check). is_evidence: the record shows a lifecycle milestone (see refresh_milestones.sql)
-- and so may found a hub project alone.
insert into publish_inputs (
    source_system, source_key, project_code, company_uscc, company_name, project_name,
    investor_name, investor_uscc, district_code, amount_wan, first_on, is_evidence, row_count,
    input_hash
)
select
    r.*,
    md5(row(
        r.project_code, r.company_uscc, r.company_name, r.project_name, r.investor_name,
        r.investor_uscc, r.district_code, r.amount_wan, r.first_on, r.is_evidence
    )::text) as input_hash
from (
    select
        'commerce' as source_system,
        c.project_no as source_key,
        c.project_code,
        c.project_company_uscc as company_uscc,
        c.project_company_name as company_name,
        c.project_name,
        c.investor_name,
        c.investor_uscc,
        c.district_code,
        c.total_investment_wan as amount_wan,
        coalesce(c.signed_on, c.negotiation_started_on) as first_on,
        not c.is_deleted as is_evidence,
        1 as row_count
    from core.commerce_projects as c
    join {keys} as k on k.source_system = 'commerce' and k.source_key = c.project_no

    union all

    select
        'approval',
        a.event_id,
        a.project_code,
        a.applicant_uscc,
        a.applicant_name,
        a.project_name,
        null,
        null,
        a.district_code,
        a.total_investment_wan,
        (a.decided_at at time zone 'Asia/Shanghai')::date,
        -- as core.effective_approval_events says (granted, not superseded or revoked), written
        -- as a join: a correlated EXISTS on that view in a select list is planned per row, over
        -- the whole table each time — quadratic (measured: minutes at 500k events)
        a.matter in ('项目备案', '项目核准', '施工许可') and a.decision = '准予'
        and superseded.event_id is null,
        1
    from core.approval_events as a
    join {keys} as k on k.source_system = 'approval' and k.source_key = a.event_id
    left join (
        select distinct supersedes_event_id as event_id
        from core.approval_events
        where supersedes_event_id is not null
    ) as superseded on superseded.event_id = a.event_id

    union all

    select
        'land',
        l.parcel_id,
        l.project_code,
        l.land_user_uscc,
        l.land_user_name,
        l.project_name,
        null,
        null,
        l.district_code,
        null,
        l.contract_on,
        l.status = '有效',
        1
    from core.land_parcels as l
    join {keys} as k on k.source_system = 'land' and k.source_key = l.parcel_id

    union all

    -- the latest period's row (as core.stats_latest), with how many periods it has
    select
        'stats',
        s.stat_project_id,
        s.project_code,
        s.legal_unit_uscc,
        s.legal_unit_name,
        s.project_name,
        null,
        null,
        s.district_code,
        s.planned_investment_wan,
        s.start_month,
        true,
        periods.row_count
    from (
        select distinct on (r.stat_project_id) r.*
        from core.stats_roster as r
        join {keys} as k on k.source_system = 'stats' and k.source_key = r.stat_project_id
        order by r.stat_project_id, r.period desc
    ) as s
    join (
        select r.stat_project_id, count(*)::int as row_count
        from core.stats_roster as r
        join {keys} as k on k.source_system = 'stats' and k.source_key = r.stat_project_id
        group by r.stat_project_id
    ) as periods on periods.stat_project_id = s.stat_project_id
) as r
on conflict (source_system, source_key) do nothing;
