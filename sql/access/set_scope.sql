-- A login sees one district: its only scope row. Params: login, district_code.
with cleared as (
    delete from meta.access_scopes where login = %(login)s and district_code <> %(district_code)s
)
insert into meta.access_scopes (login, district_code) values (%(login)s, %(district_code)s)
on conflict (login, district_code) do nothing
