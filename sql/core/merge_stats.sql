-- Merge one audited stats batch into core.stats_roster.
-- Reads {batch}: the batch, typed once (meta.typed__<batch>, hub/warehouse/typed_batches.py).
-- Grain: one row per (period, stat_project_id), from the period's current revision.
-- A period's roster is a full snapshot: rows of an older revision of a
-- period this batch brings are removed first (also when the new revision's row for the
-- project was rejected). Periods whose newer revision is empty are handled by
-- prune_stats_periods.sql from the connector state.
with

batch_rows as (
    select
        s.source_key, s.period, s.stat_project_id, s.revision, s.project_code, s.project_name,
        s.legal_unit_name, s.legal_unit_uscc, s.district_code, s.industry_code,
        s.planned_investment_wan, s.completed_investment_ytd_wan, s.start_month,
        s.included_month, s.status, s.completed_on, s.raw_id, s.batch_id,
        exists (
            select 1 from meta.rejects as r
            where r.source_system = 'stats' and r.entity = 'roster' and r.raw_id = s.raw_id
        ) as is_rejected
    from {batch} as s
    where s.source_key is not null and s.period is not null
),

batch_periods as (
    select period, max(revision) as revision from batch_rows group by period
),

batch_latest as (
    select distinct on (b.period, b.source_key) b.*
    from batch_rows as b
    join batch_periods as p on p.period = b.period and p.revision = b.revision
    order by b.period, b.source_key, b.raw_id desc
),

superseded as (
    delete from core.stats_roster as t
    using batch_periods as p
    where t.period = p.period
      -- keys the insert below upserts are left to it: one statement must not touch a row twice
      and not exists (
          select 1 from batch_latest as b
          where not b.is_rejected and b.period = t.period and b.source_key = t.stat_project_id
      )
      and (
          t.revision < p.revision
          or exists (
              select 1 from batch_latest as b
              where b.is_rejected and b.period = t.period and b.source_key = t.stat_project_id
          )
      )
    returning t.period
)

insert into core.stats_roster as t (
    period, stat_project_id, revision, project_code, project_name, legal_unit_name,
    legal_unit_uscc, district_code, industry_code, planned_investment_wan,
    completed_investment_ytd_wan, start_month, included_month, status, completed_on,
    raw_id, batch_id
)
select
    period, stat_project_id, revision, project_code, project_name, legal_unit_name,
    legal_unit_uscc, district_code, industry_code, planned_investment_wan,
    completed_investment_ytd_wan, start_month, included_month, status, completed_on,
    raw_id, batch_id
from batch_latest
where not is_rejected
on conflict (period, stat_project_id) do update set
    revision = excluded.revision,
    project_code = excluded.project_code,
    project_name = excluded.project_name,
    legal_unit_name = excluded.legal_unit_name,
    legal_unit_uscc = excluded.legal_unit_uscc,
    district_code = excluded.district_code,
    industry_code = excluded.industry_code,
    planned_investment_wan = excluded.planned_investment_wan,
    completed_investment_ytd_wan = excluded.completed_investment_ytd_wan,
    start_month = excluded.start_month,
    included_month = excluded.included_month,
    status = excluded.status,
    completed_on = excluded.completed_on,
    raw_id = excluded.raw_id,
    batch_id = excluded.batch_id
where t.raw_id < excluded.raw_id
