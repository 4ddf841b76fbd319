-- Approval events that still count: granted and not superseded or revoked by a later event.
-- Grain: one row per effective event. A 撤销 event naming a granted one cancels it; a 准予
-- event naming an earlier one replaces it (only the newer one counts).
create or replace view core.effective_approval_events as
select e.*
from core.approval_events as e
where e.decision = '准予'
  and not exists (
      select 1 from core.approval_events as later
      where later.supersedes_event_id = e.event_id
  );
comment on view core.effective_approval_events is
    '仍有效的准予审批事项（未被撤销或替代）/ Granted approval events not revoked or superseded';

-- The latest period each stats project appears in (its current roster row).
create or replace view core.stats_latest as
select distinct on (stat_project_id) *
from core.stats_roster
order by stat_project_id, period desc;
comment on view core.stats_latest is
    '每个统计项目最近一期的名录行 / Each stats project''s row in the latest period it appears in';
