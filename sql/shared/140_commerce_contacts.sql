-- shared.commerce_contacts: the commerce platform's contact persons — personal data.
-- Grain: one row per commerce project record. Readable by the commerce department's role
-- only (sql/grants); no other shared object carries contact_person or contact_phone.
create or replace view shared.commerce_contacts with (security_barrier) as
select
    c.project_no,
    l.hub_project_id,
    c.project_name,
    c.contact_person,
    c.contact_phone,
    coalesce(p.district_code, c.district_code) as district_code
from core.commerce_projects as c
left join core.project_links as l on l.source_system = 'commerce' and l.source_key = c.project_no
left join core.projects as p on p.hub_project_id = l.hub_project_id
cross join core.reader_scope as rs
where rs.all_districts or coalesce(p.district_code, c.district_code) = any (rs.districts);

comment on view shared.commerce_contacts is
    '商务局项目联系人（个人信息，仅商务局可读）/ Commerce project contacts — personal data, commerce department only';
comment on column shared.commerce_contacts.project_no is '商务局项目编号 / Commerce project number';
comment on column shared.commerce_contacts.hub_project_id is '枢纽项目编号 / Hub project id';
comment on column shared.commerce_contacts.project_name is '项目名称（商务局填写）/ Project name as commerce wrote it';
comment on column shared.commerce_contacts.contact_person is '联系人（个人信息）/ Contact person (personal data)';
comment on column shared.commerce_contacts.contact_phone is '联系电话（个人信息）/ Contact phone (personal data)';
comment on column shared.commerce_contacts.district_code is '所属区划代码（决定谁可见）/ District code (decides who may see the row)';
