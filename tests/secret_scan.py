"""Looking for secrets where they must never be: text captured from logs and terminals,
exceptions, files, every table of a warehouse and the PostgreSQL server log.

The secrets are distinctive strings (``zz-…-SECRET-…``) that occur nowhere else, so any
occurrence is a leak. Each finder returns where it found what, as readable lines, so an
assertion shows the place of every leak at once.
"""

from __future__ import annotations

import glob
import os
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hub.sandbox import SandboxCredentials

COMMERCE_KEY = "zz-commerce-SECRET-1f9e"
APPROVAL_CLIENT_SECRET = "zz-approval-SECRET-7c2a"
STATS_TOKEN = "zz-stats-SECRET-5b3d"
LOADER_PASSWORD = "zz-warehouse-SECRET-9e4c"
ACCESS_PASSWORD = "zz-access-SECRET-2d8f"
#: Credentials a failing run is given (never accepted anywhere).
WRONG_COMMERCE_KEY = "zz-commerce-WRONG-SECRET-6a1c"
WRONG_WAREHOUSE_PASSWORD = "zz-warehouse-WRONG-SECRET-3f7b"

SECRETS = (
    COMMERCE_KEY,
    APPROVAL_CLIENT_SECRET,
    STATS_TOKEN,
    LOADER_PASSWORD,
    ACCESS_PASSWORD,
    WRONG_COMMERCE_KEY,
    WRONG_WAREHOUSE_PASSWORD,
)

#: What the sandbox departments demand (the client id is not a secret; it is still unusual).
CREDENTIALS = SandboxCredentials(
    commerce_key=COMMERCE_KEY,
    approval_client_id="zz-approval-client",
    approval_client_secret=APPROVAL_CLIENT_SECRET,
    stats_token=STATS_TOKEN,
)


def found_in(where: str, text: str, secrets: Iterable[str] = SECRETS) -> list[str]:
    """``where: <secret>`` for every secret that occurs in ``text``."""
    return [f"{where}: {secret}" for secret in secrets if secret in text]


def exception_texts(error: BaseException) -> str:
    """str() and repr() of an exception and of every exception in its chain, and its
    formatted traceback (what a logger would print)."""
    parts: list[str] = []
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not e for e in seen):
        seen.append(current)
        parts += [str(current), repr(current), *(str(a) for a in current.args)]
        current = current.__cause__ or current.__context__
    parts += traceback.format_exception(error)
    return "\n".join(parts)


def files_with_secrets(folder: Path, secrets: Iterable[str] = SECRETS) -> list[str]:
    """Every file under ``folder`` whose bytes hold a secret (UTF-8)."""
    found: list[str] = []
    needles = [(s, s.encode()) for s in secrets]
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        data = path.read_bytes()
        found += [f"{path}: {secret}" for secret, needle in needles if needle in data]
    return found


def warehouse_leaks(admin_url: str, secrets: Iterable[str] = SECRETS) -> list[str]:
    """Every row of every table and materialized view in every schema of the database
    (pg_catalog's included, pg_authid aside: see ``password_hash_problems``), cast to text,
    that holds a secret."""
    from hub.warehouse.connection import connect

    secrets = tuple(secrets)
    found: list[str] = []
    with connect(admin_url, autocommit=True) as conn:
        relations = conn.execute(
            "select format('%I.%I', n.nspname, c.relname) from pg_class c"
            " join pg_namespace n on n.oid = c.relnamespace"
            " where c.relkind in ('r', 'p', 'm') and n.nspname not in ('information_schema')"
            " and n.nspname not like 'pg\\_toast%' and c.relname <> 'pg_authid'"
            " and c.relname <> 'pg_statistic'"  # anyarray columns; stats of the tables below
            " order by 1"
        ).fetchall()
        for (relation,) in relations:
            for secret in secrets:
                (hits,) = conn.execute(
                    f"select count(*) from {relation} as t where strpos(t::text, %s) > 0",
                    (secret,),
                ).fetchone()
                if hits:
                    found.append(f"table {relation} ({hits} rows): {secret}")
    return found


def password_hash_problems(admin_url: str, login: str, password: str) -> list[str]:
    """What is wrong with how the server keeps ``login``'s password (empty when it is a
    SCRAM-SHA-256 verifier without the clear text)."""
    from hub.warehouse.connection import connect

    with connect(admin_url, autocommit=True) as conn:
        row = conn.execute("select rolpassword from pg_authid where rolname = %s", (login,))
        (stored,) = row.fetchone() or (None,)
    problems = []
    if stored is None:
        problems.append(f"{login} has no password in pg_authid")
    elif not stored.startswith("SCRAM-SHA-256$"):
        problems.append(f"{login}'s password is not kept as a SCRAM-SHA-256 verifier")
    if stored and password in stored:
        problems.append(f"{login}'s password is in pg_authid in clear")
    return problems


@dataclass
class ServerLog:
    """The PostgreSQL server's log files, read from where they ended when this was made
    (so earlier sessions' lines are not judged). ``unreadable`` says why there is nothing."""

    offsets: dict[str, int]
    unreadable: str | None = None

    @classmethod
    def mark(cls, admin_url: str) -> ServerLog:
        paths, why = _server_log_files(admin_url)
        if not paths:
            return cls({}, why)
        return cls({path: os.path.getsize(path) for path in paths})

    def new_text(self) -> str:
        parts = []
        for path, offset in self.offsets.items():
            with open(path, "rb") as log:
                if os.path.getsize(path) >= offset:  # else rotated: read it all
                    log.seek(offset)
                parts.append(log.read().decode("utf-8", "replace"))
        return "\n".join(parts)


def _server_log_files(admin_url: str) -> tuple[list[str], str]:
    """The server's current log file (``pg_current_logfile()``), else those under
    /var/log/postgresql/; only the readable ones, with a reason when there are none."""
    import psycopg

    from hub.warehouse.connection import connect

    candidates: list[str] = []
    try:
        with connect(admin_url, autocommit=True) as conn:
            current, data_dir = conn.execute(
                "select pg_current_logfile(), current_setting('data_directory')"
            ).fetchone()
        if current:
            candidates.append(current if os.path.isabs(current) else f"{data_dir}/{current}")
    except psycopg.Error:  # e.g. a non-superuser may not call it
        pass
    candidates += sorted(glob.glob("/var/log/postgresql/*.log"))
    readable = [p for p in candidates if os.path.isfile(p) and os.access(p, os.R_OK)]
    if readable:
        return readable, ""
    if not candidates:
        return [], "no PostgreSQL server log found (no log collector, no /var/log/postgresql)"
    return [], f"the PostgreSQL server log is not readable by this process: {candidates}"
