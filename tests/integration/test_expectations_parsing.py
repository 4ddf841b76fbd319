"""The staging views' fast parsers (sql/staging/000_parsing.sql) against the originals of
sql/migrations/0003_staging_functions.sql, in PostgreSQL: on every value here — edge cases
of each source's formats, whitespace of every kind, and a few thousand random strings from
the characters that matter — twin and original give the same result (NULLs included).
"""

from __future__ import annotations

import random
import re

import pytest
from stdnum.cn import uscc

pytestmark = pytest.mark.integration

WS = [" ", "\t", "\r\n", "\u00a0", "\u3000"]
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def differences(db, original: str, twin: str, values: list, *extra: str) -> list:
    """Values on which the two functions disagree, with both results."""
    args = "".join(f", {e}" for e in extra)
    return db.execute(
        f"select v, staging.{original}(v{args})::text, staging.{twin}(v{args})::text"
        f" from unnest(%s::text[]) as v"
        f" where staging.{original}(v{args}) is distinct from staging.{twin}(v{args})",
        [values],
    ).fetchall()


def padded(values: list[str]) -> list[str | None]:
    out: list[str | None] = [None, "", " ", "\u3000", "\t\r\n"]
    for value in values:
        out += [value, f" {value} ", f"\u3000{value}\u00a0", f"{value}\t"]
    return out


def fuzz(chars: str, count: int, length: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(chars) for _ in range(rng.randint(0, length))) for _ in range(count)]


DATES = [
    "2024-03-05",
    "2024/3/5",
    "2024/03/05",
    "20240305",
    "2024年3月5日",
    "2024年03月05日",
    "2024-02-29",
    "2023-02-29",
    "1900-02-29",
    "2000-02-29",
    "2024-02-30",
    "2024/2/30",
    "20240230",
    "2024年2月30日",
    "2024-13-01",
    "2024-00-10",
    "2024-01-00",
    "0000-01-01",
    "00000101",
    "9999-12-31",
    "2024-3-5",
    "2024/3/5/",
    "2024.3.5",
    "24-03-05",
    "2024年3月5",
    "２０２４-03-05",
    "2024-03-05T00:00",
    "abc",
    "2024/13/01",
    "2023/2/29",
    "2024年1月32日",
    "2024-04-31",
    "2024-06-31",
    "2024-11-30",
    "202403051",
    "2024--03-05",
]
MONTHS = [
    "2024-01",
    "2024-12",
    "2024-13",
    "2024-00",
    "0000-01",
    "2024-1",
    "2024/04",
    "202404",
    "2024-04-01",
]
NUMBERS = [
    "0",
    "600000",
    "1,234",
    "1,23",
    "1,234,567.89",
    ",123",
    "123,",
    "1.",
    ".5",
    "1e5",
    "1.2E+5",
    "-1.5e-3",
    "+5",
    "-60",
    "NaN",
    "Infinity",
    "１２",
    "1 234",
    "12a",
    "1" * 101,
    "1" * 100,
    "00012",
    "1,2345",
    "1e1234",
    "1e99",
    "1e-99",
]
# try_numeric (0003) reads a three-digit exponent; parse_numeric does not (beyond a double).
NUMBERS_ONLY_THE_ORIGINAL_READS = ["1e309", "1e100", "-2.5E+123", "1e-100"]
TIMESTAMPS = [
    "2024-02-26T16:05:11+08:00",
    "2024-02-26 16:05:11+08:00",
    "2024-02-26T16:05:11Z",
    "2024-02-26T16:05:11+0800",
    "2024-02-26T16:05:11+08",
    "2024-02-26T16:05:11-05:30",
    "2024-02-26T16:05+08:00",
    "2024-02-26T16:05:11.123456+08:00",
    "2024-02-26T16:05:11.1234567Z",
    "2024-02-26 17:20:00",
    "2024-02-26T24:00:00Z",
    "2024-02-26T23:60:00Z",
    "2024-02-26T23:59:60Z",
    "2024-02-30T10:00:00Z",
    "2024-02-26T16:05:11+15:00",
    "2024-02-26T16:05:11+14:59",
    "2024-02-26T16:05:11+08:60",
    "2024-02-26",
    "26/02/2024 16:05",
    "0000-01-01T00:00:00Z",
    "2024-02-26T16:05:11+08:00 ",
    "2024-02-26t16:05:11Z",
]
NAMES = [
    "国药生命港（青岛）有限公司",
    "国药 生命港(青岛)有限公司",
    "［甲］｛乙｝",
    " \u3000 ",
    "a\u00a0b",
    "a\tb\nc",
]


def test_blank_and_name_twins(db):
    values = padded(["x", "a b", "国药", *NAMES]) + fuzz(" \t\u3000\u00a0ab（）", 500, 6, 1)
    assert differences(db, "nullif_blank", "blank_to_null", values) == []
    assert differences(db, "normalize_name", "name_key", values) == []


def well_formed(template: str, count: int, seed: int) -> list[str]:
    """Values of a fixed shape with random digits — what the fast paths recognise, fields out
    of range included: each 9 of the template becomes a random digit."""
    rng = random.Random(seed)
    return [
        "".join(rng.choice("0123456789") if c == "9" else c for c in template) for _ in range(count)
    ]


def test_date_twin(db):
    values = padded(DATES) + fuzz("0123456789-/年月日 ", 3000, 12, 2)
    rng = random.Random(12)
    values += [  # the fast paths' shapes, with days around each month's end
        f"{rng.choice([0, 1, 1900, 1999, 2000, 2023, 2024, 2100, 9999]):04d}"
        f"{sep}{rng.randint(0, 13):02d}{sep}{rng.randint(0, 32):02d}"
        for sep in ("-", "")
        for _ in range(1500)
    ]
    values += well_formed("9999-99-99", 500, 13) + well_formed("99999999", 500, 14)
    other_shapes = ("9999/9/9", "9999/99/99", "9999年9月99日", "9999年99月9日", "9999/9-9")
    for seed, shape in enumerate(other_shapes):
        values += well_formed(shape, 300, 20 + seed)
    assert differences(db, "try_date", "parse_date", values) == []


def test_month_twin(db):
    values = padded(MONTHS) + fuzz("0123456789-/ ", 2000, 8, 3) + well_formed("9999-99", 1000, 15)
    values += [f"{y:04d}-{m:02d}" for y in (0, 1, 2024) for m in range(0, 14)]
    assert differences(db, "try_month", "parse_month", values) == []


def test_numeric_twin(db):
    values = padded(NUMBERS) + fuzz("0123456789,.eE+- ", 3000, 10, 4)
    for shape in ("9,999", "99,999", "999,999,999,999", "9,999,99", "9999,999", "99.9", "9.99"):
        values += well_formed(shape, 100, len(values))
    values = [v for v in values if v is None or not re.search(r"[eE][+-]?[0-9]{3}", v)]
    assert differences(db, "try_numeric", "parse_numeric", values) == []
    parsed = db.execute(
        "select staging.parse_numeric(v) from unnest(%s::text[]) as v",
        [NUMBERS_ONLY_THE_ORIGINAL_READS],
    ).fetchall()
    assert parsed == [(None,)] * len(NUMBERS_ONLY_THE_ORIGINAL_READS)


OFFSETS = ["", "Z", "+08:00", "-05:30", "+14:59", "+15:00", "-0330", "+15", "+08:61"]
DEFAULT_OFFSETS = (
    "null",
    "'+08:00'",
    "'-03:30'",
    "'+15:00'",
    "'+0800'",
    "'Z'",
    "'+8'",
    "' +08:00 '",
)


def test_timestamp_twin(db):
    values = padded(TIMESTAMPS) + fuzz("0123456789-:T Z+.", 3000, 26, 5)
    rng = random.Random(6)
    for _ in range(2000):  # well-formed shapes with random fields
        values.append(
            f"{rng.randint(0, 2100):04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}"
            f"{rng.choice('T ')}{rng.randint(0, 25):02d}:{rng.randint(0, 61):02d}"
            f"{rng.choice(['', f':{rng.randint(0, 61):02d}', f':{rng.randint(0, 59):02d}.5'])}"
            f"{rng.choice(OFFSETS)}"
        )
    values += well_formed("9999-99-99T99:99:99+99:99", 1000, 16)
    values += well_formed("9999-99-99 99:99:99", 1000, 17)
    for default in DEFAULT_OFFSETS:
        assert differences(db, "try_timestamptz", "parse_timestamptz", values, default) == []


def test_uscc_twin(db):
    rng = random.Random(7)
    values: list[str | None] = [None, "", "91370212MA3C4Q7N2", "91370212ma3c4q7n21"]
    for _ in range(2000):
        body = "".join(rng.choice(ALPHABET) for _ in range(17))
        try:
            good = body + uscc.calc_check_digit(body)
        except Exception:  # stdnum refuses some bodies; the SQL judges them anyway
            good = body + rng.choice(ALPHABET)
        values += [good, good[:17] + rng.choice(ALPHABET), good.lower(), good[:16], good + "0"]
    values += fuzz(ALPHABET + "IOSVZ -", 1000, 19, 8)
    assert differences(db, "is_valid_uscc", "uscc_is_valid", values) == []
    # the staging views' form: a raw field, blank → NULL, else the check of the trimmed text
    fields = padded([v for v in values[:3000] if v]) + values
    assert (
        db.execute(
            "select v from unnest(%s::text[]) as v"
            " where staging.uscc_field_is_valid(v)"
            " is distinct from staging.is_valid_uscc(staging.nullif_blank(v))",
            [fields],
        ).fetchall()
        == []
    )
