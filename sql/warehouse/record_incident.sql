insert into meta.incidents (source_system, batch_id, kind, detail)
values (%(source_system)s, %(batch_id)s, %(kind)s, %(detail)s)
