delete from meta.access_scopes where login = %(login)s
