-- Keep meta.published_records equal to what this publish saw: the records in scope with
-- their entities' name blocks (temp table record_name_blocks, from hub.resolve), the other
-- changed ones (only their rows changed) with their new counts, the records gone removed.
-- Only rows that differ are written: a full publish of a city that barely changed writes
-- little.
update meta.published_records as p
set input_hash = i.input_hash, row_count = i.row_count
from changed_records as c
join publish_inputs as i on i.source_system = c.source_system and i.source_key = c.source_key
where p.source_system = c.source_system and p.source_key = c.source_key
  and not exists (
      select 1 from scope_records as s
      where s.source_system = c.source_system and s.source_key = c.source_key
  )
  and (p.input_hash, p.row_count) is distinct from (i.input_hash, i.row_count);

delete from meta.published_records as p
using scope_records as s
where s.source_system = p.source_system and s.source_key = p.source_key
  and not exists (
      select 1 from publish_inputs as i
      where i.source_system = p.source_system and i.source_key = p.source_key
  );

create temporary table published_now on commit drop as
select
    i.source_system, i.source_key, i.input_hash, i.row_count, i.project_code,
    i.company_uscc, i.investor_uscc, coalesce(b.name_blocks, '{}') as name_blocks
from scope_records as s
join publish_inputs as i on i.source_system = s.source_system and i.source_key = s.source_key
left join record_name_blocks as b
    on b.source_system = s.source_system and b.source_key = s.source_key;

-- a join, not INSERT … ON CONFLICT: its per-row speculative insert cost more than the rest
-- of this file at a million records
update meta.published_records as p
set input_hash = n.input_hash,
    row_count = n.row_count,
    project_code = n.project_code,
    company_uscc = n.company_uscc,
    investor_uscc = n.investor_uscc,
    name_blocks = n.name_blocks
from published_now as n
where n.source_system = p.source_system and n.source_key = p.source_key
  and (p.input_hash, p.row_count, p.project_code, p.company_uscc, p.investor_uscc,
       p.name_blocks)
      is distinct from
      (n.input_hash, n.row_count, n.project_code, n.company_uscc, n.investor_uscc,
       n.name_blocks);

insert into meta.published_records (
    source_system, source_key, input_hash, row_count, project_code, company_uscc,
    investor_uscc, name_blocks
)
select
    n.source_system, n.source_key, n.input_hash, n.row_count, n.project_code,
    n.company_uscc, n.investor_uscc, n.name_blocks
from published_now as n
where not exists (
    select 1 from meta.published_records as p
    where p.source_system = n.source_system and p.source_key = n.source_key
);
