"""The staging SQL functions (sql/migrations/0003_staging_functions.sql) in PostgreSQL.

staging.is_valid_uscc is cross-checked against python-stdnum's stdnum.cn.uscc on a few
thousand random valid and corrupted codes. Two deliberate differences, both asserted here:
stdnum compacts its input first (upper-cases, strips spaces and dashes) where the SQL is
strict, and stdnum also demands digits in positions 1-8 where GB 32100-2015, as the contract
states it, allows the whole code alphabet (registering authorities such as Y, N, A).
"""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from stdnum.cn import uscc

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def sql_map(db: psycopg.Connection, function: str, values: list) -> dict:
    """function(value) for every value, in one query."""
    rows = db.execute(
        f"select v, staging.{function}(v) from unnest(%s::text[]) as v", [values]
    ).fetchall()
    return dict(rows)


def expected_valid(code: str) -> bool:
    """GB 32100-2015 as the contract states it, computed with stdnum's check character."""
    return (
        len(code) == 18
        and all(c in ALPHABET for c in code)
        and code[-1] == uscc.calc_check_digit(code[:17])
    )


def random_codes(rng: random.Random, n: int) -> list[str]:
    """Valid codes, half with stdnum's all-digit prefix, and corruptions of them."""
    codes = []
    for i in range(n):
        head = "".join(rng.choice("0123456789" if i % 2 else ALPHABET) for _ in range(8))
        body = head + "".join(rng.choice(ALPHABET) for _ in range(9))
        valid = body + uscc.calc_check_digit(body)
        codes.append(valid)
        pos = rng.randrange(18)
        corruptions = [
            valid[:17] + rng.choice(ALPHABET.replace(valid[17], "")),  # wrong check character
            valid[:pos] + rng.choice("IOSVZ") + valid[pos + 1 :],  # outside the alphabet
            valid[:pos] + rng.choice(ALPHABET) + valid[pos + 1 :],  # one character changed
            valid[:pos] + valid[pos + 1 :],  # too short
            valid + rng.choice(ALPHABET),  # too long
            valid.lower(),
            valid[:6] + " " + valid[6:],
        ]
        codes.append(rng.choice(corruptions))
    return codes


def test_is_valid_uscc_agrees_with_stdnum(db):
    codes = random_codes(random.Random(20240301), 1000)
    codes += ["91110000600037341L", "91110000MA01K7T2X9", "91370212MA3C4Q7N21"]
    result = sql_map(db, "is_valid_uscc", codes)

    assert {code: result[code] for code in codes} == {code: expected_valid(code) for code in codes}
    for code in codes:
        if code == uscc.compact(code) and code[:8].isdigit():
            assert result[code] == uscc.is_valid(code), code
    assert 900 < sum(result.values()) < 1500  # both kinds well represented


def test_is_valid_uscc_blank_and_null(db):
    assert sql_map(db, "is_valid_uscc", ["", " ", None]) == {"": False, " ": False, None: None}


def test_is_valid_project_code(db):
    assert sql_map(
        db,
        "is_valid_project_code",
        [
            "2024-370212-27-03-004512",
            "1999-370212-27-03-004512",
            "2124-370212-27-03-004512",
            "2024-370212-27-03-00451",
            "2024-37021A-27-03-004512",
            "２024-370212-27-03-004512",
            " 2024-370212-27-03-004512",
        ],
    ) == {
        "2024-370212-27-03-004512": True,
        "1999-370212-27-03-004512": True,
        "2124-370212-27-03-004512": False,
        "2024-370212-27-03-00451": False,
        "2024-37021A-27-03-004512": False,
        "２024-370212-27-03-004512": False,
        " 2024-370212-27-03-004512": False,
    }


def test_try_date(db):
    cases = {
        "2024-03-05": date(2024, 3, 5),
        "2024/3/5": date(2024, 3, 5),
        "2024/03/15": date(2024, 3, 15),
        "20240315": date(2024, 3, 15),
        "2024年3月5日": date(2024, 3, 5),
        " 2024-03-05 ": date(2024, 3, 5),
        "2024-02-29": date(2024, 2, 29),
        "2000-02-29": date(2000, 2, 29),
        "2024-02-30": None,
        "2023-02-29": None,
        "1900-02-29": None,
        "2024-04-31": None,
        "2024-13-01": None,
        "2024/3/32": None,
        "2024年2月30日": None,
        "0000-01-01": None,
        "2024-3-5": None,
        "2024.03.05": None,
        "03/05/2024": None,
        "２０２４-03-05": None,
        "2024-03-05T10:00:00": None,
        "": None,
        "  ": None,
        "\u3000": None,
    }
    assert sql_map(db, "try_date", list(cases)) == cases


def test_try_month(db):
    cases = {
        "2024-03": date(2024, 3, 1),
        "2024-12": date(2024, 12, 1),
        "2024-13": None,
        "2024-00": None,
        "2024-3": None,
        "2024/03": None,
        "202403": None,
        "": None,
    }
    assert sql_map(db, "try_month", list(cases)) == cases


def test_try_numeric(db):
    cases = {
        "600000": Decimal(600000),
        "1.5": Decimal("1.5"),
        "1.2e5": Decimal(120000),
        "120,000": Decimal(120000),
        " 1,234.5 ": Decimal("1234.5"),
        "12,345,678.90": Decimal("12345678.90"),
        "-5": Decimal(-5),
        "0": Decimal(0),
        "1,23": None,
        "1,2345": None,
        "12万": None,
        "abc": None,
        "NaN": None,
        "Infinity": None,
        "１２": None,
        "": None,
        " ": None,
    }
    assert sql_map(db, "try_numeric", list(cases)) == cases


def test_try_timestamptz(db):
    at = datetime(2024, 3, 5, 9, 20, tzinfo=UTC)  # 17:20 in Qingdao
    rows = db.execute(
        "select v, staging.try_timestamptz(v, '+08:00'), staging.try_timestamptz(v)"
        " from unnest(%s::text[]) as v",
        [
            [
                "2024-03-05T17:20:00+08:00",
                "2024-03-05 17:20:00",
                "2024-03-05T09:20:00Z",
                "2024-03-05T17:20+0800",
                "2024-03-05T17:20:00.000+08",
                "2024-02-30T17:20:00+08:00",
                "2024-03-05T24:00:00+08:00",
                "2024-03-05T17:20:00+25:00",
                "yesterday",
                "",
            ]
        ],
    ).fetchall()
    assert {v: (local, strict) for v, local, strict in rows} == {
        "2024-03-05T17:20:00+08:00": (at, at),
        "2024-03-05 17:20:00": (at, None),
        "2024-03-05T09:20:00Z": (at, at),
        "2024-03-05T17:20+0800": (at, at),
        "2024-03-05T17:20:00.000+08": (at, at),
        "2024-02-30T17:20:00+08:00": (None, None),
        "2024-03-05T24:00:00+08:00": (None, None),
        "2024-03-05T17:20:00+25:00": (None, None),
        "yesterday": (None, None),
        "": (None, None),
    }


def test_normalize_name_and_nullif_blank(db):
    assert sql_map(
        db, "normalize_name", [" 国药生命港（青岛）\u3000有限公司 ", "\u3000", "A (B)"]
    ) == {
        " 国药生命港（青岛）\u3000有限公司 ": "国药生命港(青岛)有限公司",
        "\u3000": None,
        "A (B)": "A(B)",
    }
    assert sql_map(db, "nullif_blank", [" a b ", " \t", "\u3000x\u3000"]) == {
        " a b ": "a b",
        " \t": None,
        "\u3000x\u3000": "x",
    }


def test_functions_are_immutable_and_pin_search_path(db):
    # the functions of 0003 (the staging views' fast twins, sql/staging/000_parsing.sql, are
    # SET-free on purpose and checked against these in test_expectations_parsing.py)
    migration = ROOT / "sql" / "migrations" / "0003_staging_functions.sql"
    names = re.findall(r"create or replace function staging\.(\w+)", migration.read_text())
    rows = db.execute(
        "select p.proname, p.provolatile, p.proconfig, obj_description(p.oid, 'pg_proc')"
        " from pg_proc p where p.pronamespace = 'staging'::regnamespace"
        " and p.proname = any(%s)",
        [names],
    ).fetchall()
    assert {name for name, *_ in rows} >= {
        "try_date",
        "try_month",
        "try_timestamptz",
        "try_numeric",
        "is_valid_uscc",
        "is_valid_project_code",
        "normalize_name",
    }
    for name, volatility, config, comment in rows:
        assert volatility == "i", name
        assert config == ["search_path=pg_catalog"], name
        assert comment, name
