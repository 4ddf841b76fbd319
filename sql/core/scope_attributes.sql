-- What the records found in round %(round)s share with others, now and as last published:
-- code, company and investor USCC, the hub project they are linked to, the name blocks
-- their entity was in. Only what no earlier round found is added (tagged with this round).
insert into scope_attributes (kind, value, round)
select distinct a.kind, a.value, %(round)s
from scope_records as s
left join publish_inputs as i
    on i.source_system = s.source_system and i.source_key = s.source_key
left join meta.published_records as p
    on p.source_system = s.source_system and p.source_key = s.source_key
left join core.project_links as l
    on l.source_system = s.source_system and l.source_key = s.source_key
cross join lateral (
    values
        ('code', i.project_code), ('code', p.project_code),
        ('company', i.company_uscc), ('company', p.company_uscc),
        ('investor', i.investor_uscc), ('investor', p.investor_uscc),
        ('project', l.hub_project_id::text)
    union all
    select 'block', block::text from unnest(p.name_blocks) as block
) as a (kind, value)
where s.round = %(round)s and a.value is not null
on conflict (kind, value) do nothing;
