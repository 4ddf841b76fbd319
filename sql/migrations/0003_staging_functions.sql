-- Staging helper functions: parse and check source text without ever raising.
-- Every function is immutable, parallel safe, pins search_path and returns NULL (or false)
-- for input it cannot use, so one bad record never fails a view or a batch: the
-- expectations in expectations/suites/ turn "text present but typed value NULL" into a
-- reject reason instead.
--
-- Digits are matched as [0-9], never \d: in a UTF-8 database \d also matches full-width
-- and other Unicode digits, which a later ::int cast would refuse.

-- Blank ('' or only whitespace, including the ideographic space U+3000) → NULL; otherwise
-- the text with surrounding whitespace removed.
create or replace function staging.nullif_blank(value text)
returns text
language sql
immutable strict parallel safe
set search_path = pg_catalog
return nullif(btrim(value, E' \t\r\n\u00a0\u3000'), '');

comment on function staging.nullif_blank(text) is
    '空白（含全角空格）转 NULL，其余去首尾空白 / Blank or whitespace-only text to NULL, else trimmed';

-- A calendar date in one of the forms the sources write: 2024-03-05, 2024/3/5, 20240305,
-- 2024年3月5日. NULL for blank, any other form, and impossible dates (2024-02-30).
-- (PL/pgSQL with plain ~ tests rather than regexp_match: PostgreSQL's regex captures cost
-- tens of microseconds a call, and every staging view row calls this several times.)
create or replace function staging.try_date(value text)
returns date
language plpgsql
immutable strict parallel safe
set search_path = pg_catalog
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

comment on function staging.try_date(text) is
    '日期文本转 date：YYYY-MM-DD、YYYY/M/D、YYYYMMDD、YYYY年M月D日；空白、无法解析或不存在的日期返回 NULL / '
    'Date text to date (YYYY-MM-DD, YYYY/M/D, YYYYMMDD, YYYY年M月D日); NULL for blank, '
    'unparseable or impossible dates, never an error';

-- A month written YYYY-MM → its first day. NULL otherwise.
create or replace function staging.try_month(value text)
returns date
language sql
immutable strict parallel safe
set search_path = pg_catalog
return (
    select case
        when v ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' and v !~ '^0000'
            then make_date(substr(v, 1, 4)::int, substr(v, 6, 2)::int, 1)
    end
    from (select btrim(value, E' \t\r\n\u00a0\u3000') as v) as p
);

comment on function staging.try_month(text) is
    '月份文本 YYYY-MM 转该月第一天；其余返回 NULL / Month text YYYY-MM to its first day; NULL otherwise';

-- An ISO-8601 timestamp: date, 'T' or a space, hh:mm[:ss[.ffffff]], then Z or an offset
-- (+08:00, +0800, +08). Without an offset, default_offset applies (land writes local time
-- '2024-03-05 17:20:00', meaning +08:00); without either, NULL. Impossible dates or times
-- → NULL. Independent of the session TimeZone: the offset is applied arithmetically.
create or replace function staging.try_timestamptz(value text, default_offset text default null)
returns timestamptz
language plpgsql
immutable parallel safe
set search_path = pg_catalog
as $$
declare
    v text := btrim(value, E' \t\r\n\u00a0\u3000');
    day date;
    rest text;  -- what follows hh:mm: [:ss[.ffffff]][offset]
    offset_at int;
    seconds text;
    off text;
    off_minutes int;
begin
    if v !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$' then
        return null;
    end if;
    day := staging.try_date(substr(v, 1, 10));
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

comment on function staging.try_timestamptz(text, text) is
    'ISO-8601 时间文本转 timestamptz，无时区偏移时用 default_offset（如土地台账的 +08:00）；无法解析返回 NULL / '
    'ISO-8601 text to timestamptz; text without an offset takes default_offset (land: +08:00); '
    'NULL when unparseable, impossible, or without any offset';

-- A number as the sources write it: a JSON number rendered as text (600000, 1.5, 1.2e5) or
-- a string, optionally with thousands separators ('120,000', ' 1,234.5 '). NULL otherwise
-- (blank, '1,23', 'abc', NaN, Infinity).
create or replace function staging.try_numeric(value text)
returns numeric
language sql
immutable strict parallel safe
set search_path = pg_catalog
return (
    select case
        when length(v) <= 100
            and v ~ '^[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?([eE][+-]?[0-9]{1,3})?$'
            then replace(v, ',', '')::numeric
    end
    from (select btrim(value, E' \t\r\n\u00a0\u3000') as v) as p
);

comment on function staging.try_numeric(text) is
    '数值文本转 numeric，接受 JSON 数字与带千分位逗号的字符串；其余返回 NULL / '
    'Number text to numeric (JSON numbers, strings with thousands separators); NULL otherwise';

-- GB 32100-2015 unified social credit code: 18 characters from the code alphabet, the
-- 18th the check character over the first 17. Strict: no case folding or separator
-- stripping (tests/unit/test_expectations_uscc.py cross-checks against python-stdnum).
create or replace function staging.is_valid_uscc(value text)
returns boolean
language sql
immutable strict parallel safe
set search_path = pg_catalog
return (
    with code as (
        select '0123456789ABCDEFGHJKLMNPQRTUWXY'::text as alphabet,
               '{1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28}'::int[] as weights
    )
    select
        value ~ '^[0-9ABCDEFGHJKLMNPQRTUWXY]{18}$'
        and coalesce((
            select (31 - sum((strpos(alphabet, substr(value, i, 1)) - 1) * weights[i]) % 31) % 31
            from generate_series(1, 17) as i
        ) = strpos(alphabet, substr(value, 18, 1)) - 1, false)
    from code
);

comment on function staging.is_valid_uscc(text) is
    '统一社会信用代码校验（GB 32100-2015，含第18位校验码） / '
    'Unified social credit code check per GB 32100-2015 (alphabet, length, check character)';

-- National investment-project code YYYY-DDDDDD-II-TT-NNNNNN.
create or replace function staging.is_valid_project_code(value text)
returns boolean
language sql
immutable strict parallel safe
set search_path = pg_catalog
return value ~ '^(19|20)[0-9]{2}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{6}$';

comment on function staging.is_valid_project_code(text) is
    '项目代码格式校验 YYYY-DDDDDD-II-TT-NNNNNN / National project code format check';

-- Name for comparison: full-width brackets to half-width (the NFKC mapping, for brackets
-- only), all whitespace removed (incl. U+3000). NULL when nothing is left.
create or replace function staging.normalize_name(value text)
returns text
language sql
immutable strict parallel safe
set search_path = pg_catalog
return nullif(
    regexp_replace(translate(value, '（）［］｛｝', '()[]{}'), E'[[:space:]\u00a0\u3000]+', '', 'g'),
    ''
);

comment on function staging.normalize_name(text) is
    '名称归一：全角括号转半角，去除所有空白（含全角空格） / '
    'Name normalised for matching: full-width brackets to half-width, all whitespace removed';
