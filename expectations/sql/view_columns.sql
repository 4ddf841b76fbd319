-- A staging view's columns, in order. Params: view (schema-qualified name).
select attname
from pg_attribute
where attrelid = to_regclass(%(view)s) and attnum > 0 and not attisdropped
order by attnum
