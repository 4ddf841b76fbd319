-- Every record, current or last published, that shares an attribute found in round
-- %(round)s, or a steward decision with a record in scope, joins the scope in the next round.
insert into scope_records (source_system, source_key, round)
select found.source_system, found.source_key, %(round)s + 1
from (
    select i.source_system, i.source_key
    from scope_attributes as a
    join publish_inputs as i on a.kind = 'code' and i.project_code = a.value
    where a.round = %(round)s
    union
    select i.source_system, i.source_key
    from scope_attributes as a
    join publish_inputs as i on a.kind = 'company' and i.company_uscc = a.value
    where a.round = %(round)s
    union
    select i.source_system, i.source_key
    from scope_attributes as a
    join publish_inputs as i on a.kind = 'investor' and i.investor_uscc = a.value
    where a.round = %(round)s
    union
    select p.source_system, p.source_key
    from scope_attributes as a
    join meta.published_records as p on a.kind = 'code' and p.project_code = a.value
    where a.round = %(round)s
    union
    select p.source_system, p.source_key
    from scope_attributes as a
    join meta.published_records as p on a.kind = 'company' and p.company_uscc = a.value
    where a.round = %(round)s
    union
    select p.source_system, p.source_key
    from scope_attributes as a
    join meta.published_records as p on a.kind = 'investor' and p.investor_uscc = a.value
    where a.round = %(round)s
    union
    select p.source_system, p.source_key
    from meta.published_records as p
    where p.name_blocks && array(
        select a.value::int from scope_attributes as a
        where a.kind = 'block' and a.round = %(round)s
    )
    union
    select l.source_system, l.source_key
    from scope_attributes as a
    join core.project_links as l on a.kind = 'project' and l.hub_project_id = a.value::bigint
    where a.round = %(round)s
    union
    select d.target_source_system, d.target_source_key
    from steward_pairs as d
    join scope_records as s on s.source_system = d.source_system and s.source_key = d.source_key
    union
    select d.source_system, d.source_key
    from steward_pairs as d
    join scope_records as s
        on s.source_system = d.target_source_system and s.source_key = d.target_source_key
) as found
on conflict (source_system, source_key) do nothing;
