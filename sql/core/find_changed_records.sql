-- The records possibly changed (changed_keys), marked where what resolution compares
-- differs from the last publish's, or the record is new, or gone (input_changed).
insert into changed_records (source_system, source_key, input_changed)
select k.source_system, k.source_key, i.input_hash is distinct from p.input_hash
from changed_keys as k
left join publish_inputs as i
    on i.source_system = k.source_system and i.source_key = k.source_key
left join meta.published_records as p
    on p.source_system = k.source_system and p.source_key = k.source_key;
