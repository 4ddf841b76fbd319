insert into meta.schema_migrations (name, checksum, kind) values (%(name)s, %(checksum)s, %(kind)s)
