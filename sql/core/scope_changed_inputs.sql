-- An incremental publish starts from the records whose compared fields changed (or that are
-- new, or gone): only those can link differently. Round 0 of the fixpoint.
insert into scope_records (source_system, source_key, round)
select source_system, source_key, 0
from changed_records
where input_changed;
