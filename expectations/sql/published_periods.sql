-- Roster rows currently published per stats period (what a new revision is compared with).
select period, count(*) as rows
from core.stats_roster
group by period
