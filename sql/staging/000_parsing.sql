-- Fast twins of the parsing functions of sql/migrations/0003_staging_functions.sql, for the
-- staging views. Measured on the 1M commerce values of the benchmark (single backend, CPU
-- seconds per 1M values, 0003 original → twin): date 2.7–3.2 → 1.5–1.8, timestamp 10.7 →
-- 3.2, number 4.0 → 0.8, USCC check 8.4 → 1.4. What is left is PostgreSQL's cost per
-- function call (some 50 ns each for substr, casts, comparisons; translate() about 1 µs on
-- a 25-character value). Same inputs → same results (tests/unit/test_expectations_parsing.py
-- runs both over the same values); they exist because of speed alone:
--
-- - 0003's functions pin search_path with a SET clause, which costs a GUC save/restore per
--   call and keeps a SQL function from being inlined. At 25+ calls per row that was most of
--   the time of a batch audit.
-- - The twins are SQL-language single expressions without SET, so the planner inlines them
--   into the query (no function call at all). Each first recognises the usual shapes by
--   cheap means — translate() mapping digits to 9, fields compared as text — and only then
--   hands the value to a general path (*_any: regular expressions, or PL/pgSQL that cuts and
--   casts each piece once). An inlined expression repeats a sub-expression at every use, so
--   the fast paths keep to one use of each computed piece.
--
-- Safe without SET: every body calls only pg_catalog functions and operators, which
-- PostgreSQL resolves before any schema in search_path, and its own schema-qualified
-- siblings. Like 0003's, every function is parallel safe and never raises: unusable input
-- gives NULL (or false); a fast path casts only text its guards have proved castable. All
-- are immutable except parse_timestamptz (and its fast path), which is stable: see there.
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
-- The general path (a regular expression); parse_numeric below tries
-- the usual shapes first. Unlike try_numeric, an exponent has at most two digits: every
-- value then fits a double precision, which GX compares amounts with (10^309 would make
-- the comparison itself fail, and the audit with it, instead of rejecting the record).
create or replace function staging.parse_numeric_any(value text)
returns numeric
language sql
immutable parallel safe
return case
    when length(btrim(value, E' \t\r\n\u00a0\u3000')) <= 100
        and btrim(value, E' \t\r\n\u00a0\u3000')
            ~ '^[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?([eE][+-]?[0-9]{1,2})?$'
        then replace(btrim(value, E' \t\r\n\u00a0\u3000'), ',', '')::numeric
end;

comment on function staging.parse_numeric_any(text) is
    '数值文本转 numeric：任意格式（parse_numeric 的通用路径）/ Number text to numeric, every accepted form (the general path of staging.parse_numeric)';

-- ≡ staging.try_numeric, fast: the shape is read once (translate() removes every digit; what
-- is left tells plain digits, one decimal point, or thousands commas, no regular expression)
-- and the usual shapes are cast directly; anything else takes the general path.
create or replace function staging.parse_numeric(value text)
returns numeric
language sql
immutable parallel safe
return case translate(value, '0123456789', '')
    when '' then case when length(value) between 1 and 100 then value::numeric end
    when '.' then
        case
            when length(value) <= 100 and left(value, 1) <> '.' and right(value, 1) <> '.'
                then value::numeric
        end
    else
        case
            when translate(value, '0123456789', '9999999999') in (
                '9,999', '99,999', '999,999', '9,999,999', '99,999,999', '999,999,999',
                '9,999,999,999', '99,999,999,999', '999,999,999,999'
            )
                then replace(value, ',', '')::numeric
            else staging.parse_numeric_any(value)
        end
end;

comment on function staging.parse_numeric(text) is
    '数值文本转 numeric（try_numeric 的可内联快速版本）/ Number text to numeric (inlinable fast twin of staging.try_numeric)';

-- ≡ staging.try_month: YYYY-MM → the month's first day. The general path (a regular
-- expression); parse_month below recognises the usual shape first.
create or replace function staging.parse_month_any(value text)
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

comment on function staging.parse_month_any(text) is
    '月份文本转该月第一天：任意格式（parse_month 的通用路径）/ Month text to its first day, every accepted form (the general path of staging.parse_month)';

-- ≡ staging.try_month, fast: 2024-03 recognised by its shape, no regular expression.
create or replace function staging.parse_month(value text)
returns date
language sql
immutable parallel safe
return case
    when translate(value, '0123456789', '9999999999') = '9999-99' then
        case
            when substr(value, 6, 2)::int between 1 and 12 and left(value, 4) <> '0000'
                then make_date(left(value, 4)::int, substr(value, 6, 2)::int, 1)
        end
    else staging.parse_month_any(value)
end;

comment on function staging.parse_month(text) is
    '月份文本转该月第一天（try_month 的可内联快速版本）/ Month text to its first day (inlinable fast twin of staging.try_month)';

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

create or replace function staging.parse_date_any(value text)
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

comment on function staging.parse_date_any(text) is
    '日期文本转 date：任意格式（parse_date 的通用路径）/ Date text to date, every accepted form (the general path of staging.parse_date)';

-- ≡ staging.try_date, fast: 2024-03-05 and 20240305 with a day up to 28 (valid in every
-- month, so no calendar is needed) are recognised by their shape — translate() maps every
-- digit to 9, and each field is compared as text: no regular expression, no PL/pgSQL call,
-- and nothing cut twice (an inlined expression repeats a sub-expression at every use, so
-- the fast path keeps to one use of each). Everything else — other days, 2024/3/5,
-- 2024年3月5日, anything malformed — takes the general path.
create or replace function staging.parse_date(value text)
returns date
language sql
immutable parallel safe
return case translate(value, '0123456789', '9999999999')
    when '9999-99-99' then
        case
            when left(value, 4) collate "C" >= '0001'
                and substr(value, 6, 2) collate "C" between '01' and '12'
                and substr(value, 9, 2) collate "C" between '01' and '28'
                then make_date(
                    left(value, 4)::int, substr(value, 6, 2)::int, substr(value, 9, 2)::int
                )
            else staging.parse_date_any(value)
        end
    when '99999999' then
        case
            when left(value, 4) collate "C" >= '0001'
                and substr(value, 5, 2) collate "C" between '01' and '12'
                and substr(value, 7, 2) collate "C" between '01' and '28'
                then make_date(
                    left(value, 4)::int, substr(value, 5, 2)::int, substr(value, 7, 2)::int
                )
            else staging.parse_date_any(value)
        end
    else staging.parse_date_any(value)
end;

comment on function staging.parse_date(text) is
    '日期文本转 date（try_date 的可内联快速版本）/ Date text to date (inlinable fast twin of staging.try_date)';

-- ≡ staging.try_timestamptz: ISO-8601 with Z or an offset; without one, default_offset.
create or replace function staging.parse_timestamptz_any(value text, default_offset text default null)
returns timestamptz
language plpgsql
immutable parallel safe
as $$
declare
    v text := btrim(value, E' \t\r\n\u00a0\u3000');
    -- Only instants that are in years 1–9999 in every time zone: psycopg cannot load a
    -- timestamptz or date outside them into Python, so a department's
    -- 0001-01-01T00:00:00+14:00 (1 BC in UTC) failed the whole publish. Unlike
    -- try_timestamptz (0003), anything earlier or later is NULL: invalid_date.
    earliest constant timestamptz := '0001-01-02 00:00:00+00';
    latest constant timestamptz := '9999-12-30 23:59:59.999999+00';
    result timestamptz;
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
            result := v::timestamptz;
        else
            off := replace(btrim(default_offset), ':', '');
            if off = 'Z' or off ~ '^[+-](0[0-9]|1[0-4])([0-5][0-9])?$' then
                result := (v || off)::timestamptz;
            end if;
        end if;
        return case when result between earliest and latest then result end;
    end if;
    if v !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$' then
        return null;
    end if;
    day := staging.parse_date_any(substr(v, 1, 10));
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
    result := (
        day
        + make_interval(hours => substr(v, 12, 2)::int, mins => substr(v, 15, 2)::int,
                        secs => coalesce(nullif(seconds, ''), '0')::double precision)
        - make_interval(mins => off_minutes)
    ) at time zone 'UTC';
    return case when result between earliest and latest then result end;
end
$$;

comment on function staging.parse_timestamptz_any(text, text) is
    'ISO-8601 时间文本转 timestamptz：任意格式（parse_timestamptz 的通用路径）/ ISO-8601 text to timestamptz, every accepted form (the general path of staging.parse_timestamptz)';

-- The fast path of parse_timestamptz: text already of the shape 9999-99-99T99:99:99±99:99
-- (or with a space for T). The fields are checked as text; a day above 28, or any field out
-- of range, goes to the general path, which decides (a valid 29th–31st, or NULL).
create or replace function staging.parse_timestamptz_fields(value text)
returns timestamptz
language sql
stable parallel safe
return case
    -- years 1 and 9999 take the general path: at an offset, the instant may fall outside
    -- the years 1–9999 a Python datetime holds (see parse_timestamptz_any)
    when left(value, 4) collate "C" between '0002' and '9998'
        and substr(value, 6, 2) collate "C" between '01' and '12'
        and substr(value, 9, 2) collate "C" between '01' and '28'
        and substr(value, 12, 2) collate "C" <= '23'
        and substr(value, 15, 2) collate "C" <= '59'
        and substr(value, 18, 2) collate "C" <= '59'
        and substr(value, 21, 2) collate "C" <= '14'
        and substr(value, 24, 2) collate "C" <= '59'
        then value::timestamptz
    else staging.parse_timestamptz_any(value)
end;

comment on function staging.parse_timestamptz_fields(text) is
    '时间文本（形如 2024-02-26T16:05:11+08:00）转 timestamptz：parse_timestamptz 的快速路径 / Text shaped 2024-02-26T16:05:11+08:00 to timestamptz (the fast path of staging.parse_timestamptz)';

-- ≡ staging.try_timestamptz, fast: 2024-02-26T16:05:11+08:00 (T or a space; an offset of
-- its own, or none and a default_offset of the form ±hh:mm) with a day up to 28 is
-- recognised by its shape and its fields compared as text (no regular expression, no
-- PL/pgSQL call, nothing cut twice), then read by PostgreSQL's own input. Everything else
-- takes the general path.
-- STABLE, not IMMUTABLE, only because the text → timestamptz cast is declared stable (it
-- may read TimeZone and DateStyle); here the text always carries its offset and the ISO
-- order, so the result never depends on either. Being STABLE is what lets the planner
-- inline it into the staging views (an IMMUTABLE function with a stable body is not).
create or replace function staging.parse_timestamptz(value text, default_offset text default null)
returns timestamptz
language sql
stable parallel safe
return case translate(value, '0123456789 ', '9999999999T')
    when '9999-99-99T99:99:99+99:99' then staging.parse_timestamptz_fields(value)
    when '9999-99-99T99:99:99-99:99' then staging.parse_timestamptz_fields(value)
    when '9999-99-99T99:99:99' then
        case
            when translate(default_offset, '0123456789', '9999999999') in ('+99:99', '-99:99')
                then staging.parse_timestamptz_fields(value || default_offset)
            else staging.parse_timestamptz_any(value, default_offset)
        end
    else staging.parse_timestamptz_any(value, default_offset)
end;

comment on function staging.parse_timestamptz(text, text) is
    'ISO-8601 时间文本转 timestamptz（try_timestamptz 的可内联快速版本）/ ISO-8601 text to timestamptz (inlinable fast twin of staging.try_timestamptz)';

-- The value of each USCC code character (GB 32100-2015: 0-9 then A-Y without I, O, S, V, Z),
-- indexed by byte: byte b of the code has the value get_byte(uscc_code_values(), b); bytes
-- that are not code characters give 255.
create or replace function staging.uscc_code_values()
returns bytea
language sql
immutable parallel safe
return '\xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff00010203040506070809ffffffffffffff0a0b0c0d0e0f1011ff1213141516ff171819ff1a1bff1c1d1effffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'::bytea;

comment on function staging.uscc_code_values() is
    '统一社会信用代码字符取值表（按字节索引，非代码字符为 255）/ USCC code character values, indexed by byte (255: not a code character)';

-- ≡ staging.is_valid_uscc (GB 32100-2015 check character), without a regular expression:
-- 18 bytes that are all code characters (rtrim removes every code character, so nothing may
-- be left), then the 17 weighted terms read byte by byte through uscc_code_values. The
-- bytes come from value::bytea, safe here because a code character is never a backslash
-- (textsend would do, but it is only stable, and that stops the function being inlined).
-- (The earlier twin cut each character with substr and looked it up with strpos, after a
-- regular expression.)
create or replace function staging.uscc_is_valid(value text)
returns boolean
language sql
immutable parallel safe
return case
    when value is null then null
    when octet_length(value) <> 18 or rtrim(value, '0123456789ABCDEFGHJKLMNPQRTUWXY') <> '' then false
    else (31 - (
              get_byte(staging.uscc_code_values(), get_byte(value::bytea, 0)) * 1
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 1)) * 3
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 2)) * 9
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 3)) * 27
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 4)) * 19
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 5)) * 26
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 6)) * 16
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 7)) * 17
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 8)) * 20
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 9)) * 29
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 10)) * 25
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 11)) * 13
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 12)) * 8
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 13)) * 24
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 14)) * 10
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 15)) * 30
            + get_byte(staging.uscc_code_values(), get_byte(value::bytea, 16)) * 28
        ) % 31) % 31
        = get_byte(staging.uscc_code_values(), get_byte(value::bytea, 17))
end;

comment on function staging.uscc_is_valid(text) is
    '统一社会信用代码校验（is_valid_uscc 的可内联快速版本）/ USCC check per GB 32100-2015 (inlinable fast twin of staging.is_valid_uscc)';

-- The check of a raw field, as the suites want it: NULL when the field is blank, else
-- staging.uscc_is_valid of the trimmed text. A value of exactly 18 bytes is checked as it is
-- (the usual case, evaluated once): trimming could only shorten it, and a code shorter than
-- 18 bytes fails either way.
create or replace function staging.uscc_field_is_valid(value text)
returns boolean
language sql
immutable parallel safe
return case
    when octet_length(value) = 18 then staging.uscc_is_valid(value)
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
