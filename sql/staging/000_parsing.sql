-- Fast twins of the parsing functions of sql/migrations/0003_staging_functions.sql, for the
-- staging views. Same inputs → same results (tests/unit/test_expectations_parsing.py runs
-- both over the same values); they exist because of speed alone:
--
-- - 0003's functions pin search_path with a SET clause, which costs a GUC save/restore per
--   call and keeps a SQL function from being inlined. At 25+ calls per row that was most of
--   the time of a batch audit.
-- - The SQL-language twins below are single expressions without SET, so the planner inlines
--   them into the query (no function call at all). The PL/pgSQL twins (dates, timestamps)
--   are faster than any single-expression form PostgreSQL 15 allows, once SET is gone.
--
-- Safe without SET: every body calls only pg_catalog functions and operators, which
-- PostgreSQL resolves before any schema in search_path, and its own schema-qualified
-- siblings. Like 0003's, every function is immutable and parallel safe and never raises:
-- unusable input gives NULL (or false).
-- Repeatable file: re-run by `hub db upgrade` when it changes (create or replace).

-- ≡ staging.nullif_blank: blank (incl. U+00A0 and the ideographic space U+3000) → NULL,
-- otherwise the text with surrounding whitespace removed.
create or replace function staging.blank_to_null(value text)
returns text
language sql
immutable parallel safe
return nullif(btrim(value, E' \t\r\n\u00a0\u3000'), '');

comment on function staging.blank_to_null(text) is
    '空白转 NULL（nullif_blank 的可内联版本）/ Blank text to NULL, else trimmed (inlinable twin of staging.nullif_blank)';

-- ≡ staging.try_numeric: a JSON number as text or a string with thousands separators.
create or replace function staging.parse_numeric(value text)
returns numeric
language sql
immutable parallel safe
return case
    when length(btrim(value, E' \t\r\n\u00a0\u3000')) <= 100
        and btrim(value, E' \t\r\n\u00a0\u3000')
            ~ '^[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?([eE][+-]?[0-9]{1,3})?$'
        then replace(btrim(value, E' \t\r\n\u00a0\u3000'), ',', '')::numeric
end;

comment on function staging.parse_numeric(text) is
    '数值文本转 numeric（try_numeric 的可内联版本）/ Number text to numeric (inlinable twin of staging.try_numeric)';

-- ≡ staging.try_month: YYYY-MM → the month's first day.
create or replace function staging.parse_month(value text)
returns date
language sql
immutable parallel safe
return case
    when btrim(value, E' \t\r\n\u00a0\u3000') ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'
        and btrim(value, E' \t\r\n\u00a0\u3000') !~ '^0000'
        then make_date(
            substr(btrim(value, E' \t\r\n\u00a0\u3000'), 1, 4)::int,
            substr(btrim(value, E' \t\r\n\u00a0\u3000'), 6, 2)::int,
            1
        )
end;

comment on function staging.parse_month(text) is
    '月份文本转该月第一天（try_month 的可内联版本）/ Month text to its first day (inlinable twin of staging.try_month)';

-- ≡ staging.try_date: 2024-03-05, 2024/3/5, 20240305, 2024年3月5日; impossible dates → NULL.
-- The original's body without its SET clause: PL/pgSQL cuts and casts each piece of the
-- text once (an inlined SQL expression repeats them at every use, and measured slower).
create or replace function staging.date_from_parts(y int, m int, d int)
returns date
language sql
immutable parallel safe
return case
    when y >= 1 and d >= 1 and d <= case
        when m in (1, 3, 5, 7, 8, 10, 12) then 31
        when m in (4, 6, 9, 11) then 30
        when m = 2 and y % 4 = 0 and (y % 100 <> 0 or y % 400 = 0) then 29
        when m = 2 then 28
        else 0
    end then make_date(y, m, d)
end;

comment on function staging.date_from_parts(int, int, int) is
    '年月日数字转 date，不存在的日期返回 NULL / Year, month, day to a date; NULL for an impossible date';

create or replace function staging.parse_date(value text)
returns date
language plpgsql
immutable strict parallel safe
as $$
declare
    v text := btrim(value, E' \t\r\n\u00a0\u3000');
    y int;
    m int;
    d int;
begin
    if v ~ '^[0-9]{8}$' then
        y := substr(v, 1, 4)::int;
        m := substr(v, 5, 2)::int;
        d := substr(v, 7, 2)::int;
    elsif v ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
        or v ~ '^[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}$'
        or v ~ '^[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日$' then
        v := translate(v, '/年月日', '---');  -- 2024/3/5 and 2024年3月5日 become 2024-3-5
        y := split_part(v, '-', 1)::int;
        m := split_part(v, '-', 2)::int;
        d := split_part(v, '-', 3)::int;
    else
        return null;
    end if;
    if y >= 1 and d >= 1 and d <= (
        case
            when m in (1, 3, 5, 7, 8, 10, 12) then 31
            when m in (4, 6, 9, 11) then 30
            when m = 2 and y % 4 = 0 and (y % 100 <> 0 or y % 400 = 0) then 29
            when m = 2 then 28
            else 0
        end
    ) then
        return make_date(y, m, d);
    end if;
    return null;
end
$$;

comment on function staging.parse_date(text) is
    '日期文本转 date（try_date 的快速版本）/ Date text to date (fast twin of staging.try_date)';

-- ≡ staging.try_timestamptz: ISO-8601 with Z or an offset; without one, default_offset.
create or replace function staging.parse_timestamptz(value text, default_offset text default null)
returns timestamptz
language plpgsql
immutable parallel safe
as $$
declare
    v text := btrim(value, E' \t\r\n\u00a0\u3000');
    day date;
    rest text;  -- what follows hh:mm: [:ss[.ffffff]][offset]
    offset_at int;
    seconds text;
    off text;
    off_minutes int;
    y int;
    m int;
begin
    -- The usual shapes (whole seconds, an offset with a colon or none): checked field by
    -- field, then PostgreSQL's own input reads the text with its offset, which makes the
    -- result independent of the session's TimeZone. Everything else takes the long way.
    if v ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-5][0-9]:[0-5][0-9](Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?$' then
        y := substr(v, 1, 4)::int;
        m := substr(v, 6, 2)::int;
        if staging.date_from_parts(y, m, substr(v, 9, 2)::int) is null
            or substr(v, 12, 2)::int > 23 then
            return null;
        end if;
        if length(v) > 19 then
            return v::timestamptz;
        end if;
        off := replace(btrim(default_offset), ':', '');
        if off = 'Z' or off ~ '^[+-](0[0-9]|1[0-4])([0-5][0-9])?$' then
            return (v || off)::timestamptz;
        end if;
        return null;
    end if;
    if v !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$' then
        return null;
    end if;
    day := staging.parse_date(substr(v, 1, 10));
    rest := substr(v, 17);
    offset_at := greatest(strpos(rest, 'Z'), strpos(rest, '+'), strpos(rest, '-'));
    if offset_at > 0 then
        seconds := substr(rest, 2, greatest(offset_at - 2, 0));
        off := replace(substr(rest, offset_at), ':', '');
    else
        seconds := substr(rest, 2);
        off := replace(btrim(default_offset), ':', '');
    end if;
    if off = 'Z' then
        off_minutes := 0;
    elsif off ~ '^[+-](0[0-9]|1[0-4])([0-5][0-9])?$' then
        off_minutes := (substr(off, 1, 1) || '1')::int
            * (substr(off, 2, 2)::int * 60 + coalesce(nullif(substr(off, 4, 2), ''), '0')::int);
    end if;
    if day is null or off_minutes is null
        or substr(v, 12, 2)::int > 23 or substr(v, 15, 2)::int > 59
        or coalesce(nullif(seconds, ''), '0')::numeric >= 60 then
        return null;
    end if;
    return (
        day
        + make_interval(hours => substr(v, 12, 2)::int, mins => substr(v, 15, 2)::int,
                        secs => coalesce(nullif(seconds, ''), '0')::double precision)
        - make_interval(mins => off_minutes)
    ) at time zone 'UTC';
end
$$;

comment on function staging.parse_timestamptz(text, text) is
    'ISO-8601 时间文本转 timestamptz（try_timestamptz 的快速版本）/ ISO-8601 text to timestamptz (fast twin of staging.try_timestamptz)';

-- ≡ staging.is_valid_uscc (GB 32100-2015 check character), the 17 weighted terms written out.
create or replace function staging.uscc_is_valid(value text)
returns boolean
language sql
immutable parallel safe
return case
    when value ~ '^[0-9ABCDEFGHJKLMNPQRTUWXY]{18}$' then
        (31 - (
            (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 1, 1)) - 1) * 1
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 2, 1)) - 1) * 3
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 3, 1)) - 1) * 9
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 4, 1)) - 1) * 27
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 5, 1)) - 1) * 19
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 6, 1)) - 1) * 26
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 7, 1)) - 1) * 16
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 8, 1)) - 1) * 17
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 9, 1)) - 1) * 20
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 10, 1)) - 1) * 29
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 11, 1)) - 1) * 25
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 12, 1)) - 1) * 13
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 13, 1)) - 1) * 8
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 14, 1)) - 1) * 24
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 15, 1)) - 1) * 10
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 16, 1)) - 1) * 30
            + (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 17, 1)) - 1) * 28
        ) % 31) % 31
        = strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(value, 18, 1)) - 1
    when value is not null then false
end;

comment on function staging.uscc_is_valid(text) is
    '统一社会信用代码校验（is_valid_uscc 的可内联版本）/ USCC check per GB 32100-2015 (inlinable twin of staging.is_valid_uscc)';

-- The check of a raw field, as the suites want it: NULL when the field is blank, else
-- staging.uscc_is_valid of the trimmed text. A value that is already exactly 18 code
-- characters is checked as it is (the usual case: no trimming, evaluated once).
create or replace function staging.uscc_field_is_valid(value text)
returns boolean
language sql
immutable parallel safe
return case
    when value ~ '^[0-9ABCDEFGHJKLMNPQRTUWXY]{18}$' then staging.uscc_is_valid(value)
    else staging.uscc_is_valid(staging.blank_to_null(value))
end;

comment on function staging.uscc_field_is_valid(text) is
    '原始字段的统一社会信用代码校验：空白为 NULL / USCC check of a raw field: NULL when blank, else uscc_is_valid of the trimmed text';

-- ≡ staging.normalize_name: full-width brackets to half-width, all whitespace removed.
create or replace function staging.name_key(value text)
returns text
language sql
immutable parallel safe
return nullif(
    regexp_replace(translate(value, '（）［］｛｝', '()[]{}'), E'[[:space:]\u00a0\u3000]+', '', 'g'),
    ''
);

comment on function staging.name_key(text) is
    '名称归一（normalize_name 的可内联版本）/ Name normalised for matching (inlinable twin of staging.normalize_name)';
