"""Shared bits for the GX probe: the scratch database, the table shape, the suite."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import psycopg
import sqlalchemy

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SERVER = os.environ.get("GXPROBE_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
DBNAME = os.environ.get("GXPROBE_DB", "gxprobe_bench")
URL = f"{SERVER}/{DBNAME}"
LIBPQ = URL.replace("postgresql+psycopg", "postgresql")
ADMIN = f"{SERVER.replace('postgresql+psycopg', 'postgresql')}/postgres"

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc_check(body17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body17, USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def valid_uscc(rng: random.Random) -> str:
    body = "".join(rng.choice(USCC_CHARS) for _ in range(17))
    return body + uscc_check(body)


def engine() -> sqlalchemy.Engine:
    return sqlalchemy.create_engine(URL)


# The runner's own session settings for its failure pass (expectations/sql/plan_parallel.sql),
# applied to every connection the probe writes audit_failures from (GX's own connections keep
# the server defaults, as in the runner).
PLAN_PARALLEL = (
    "select set_config('parallel_setup_cost', '0', false),"
    " set_config('parallel_tuple_cost', '0', false),"
    " set_config('min_parallel_table_scan_size', '0', false),"
    " set_config('min_parallel_index_scan_size', '0', false),"
    " set_config('work_mem', '256MB', false)"
)


def connect() -> psycopg.Connection:
    c = psycopg.connect(LIBPQ, autocommit=True)
    c.execute(PLAN_PARALLEL)
    return c


def table_name(rows: int) -> str:
    return f"audit__probe_{rows}"


def load_suite(path: Path | None = None) -> dict:
    return json.loads((path or HERE / "suite_probe.json").read_text(encoding="utf-8"))
