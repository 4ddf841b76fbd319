-- Failing rows per check (to cross-check against GX's counts), per reason, and in total.
-- A row failing two checks with the same reason counts once for that reason.
select check_no, reason, count(distinct raw_id) as rows_failing
from audit_failures
group by grouping sets ((check_no), (reason), ());
