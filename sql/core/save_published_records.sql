-- Keep meta.published_records equal to what this publish saw: the records in scope
-- rewritten with their entities' name blocks (temp table record_name_blocks, from
-- hub.resolve), the other changed ones (only their rows changed) given their new hashes.
update meta.published_records as p
set input_hash = i.input_hash, row_hash = i.row_hash, row_count = i.row_count
from changed_records as c
join publish_inputs as i on i.source_system = c.source_system and i.source_key = c.source_key
where p.source_system = c.source_system and p.source_key = c.source_key
  and not exists (
      select 1 from scope_records as s
      where s.source_system = c.source_system and s.source_key = c.source_key
  );

delete from meta.published_records as p
using scope_records as s
where s.source_system = p.source_system and s.source_key = p.source_key;

insert into meta.published_records (
    source_system, source_key, input_hash, row_hash, row_count, project_code, company_uscc,
    investor_uscc, name_blocks
)
select
    i.source_system, i.source_key, i.input_hash, i.row_hash, i.row_count, i.project_code,
    i.company_uscc, i.investor_uscc, coalesce(b.name_blocks, '{}')
from scope_records as s
join publish_inputs as i on i.source_system = s.source_system and i.source_key = s.source_key
left join record_name_blocks as b
    on b.source_system = s.source_system and b.source_key = s.source_key;
