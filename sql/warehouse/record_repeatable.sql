insert into meta.schema_repeatables (name, checksum) values (%(name)s, %(checksum)s)
on conflict (name) do update set checksum = excluded.checksum, applied_at = now()
