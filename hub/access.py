"""`hub access grant|revoke|list` and `hub review`: who may read what, and steward decisions.

Roles are the warehouse contract's (created by `hub db upgrade`). A login is made a member
of exactly one of them and given CONNECT on this warehouse's database only, with one grant
row in meta.access_grants (keyed by the role's OID) that the shared views read through
core.reader_scope: one district, or all districts, said explicitly. Every grant and revoke
is logged in meta.access_log. docs/security.md has the whole design.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from hub.warehouse.connection import connect, fetch_dicts, run_sql_file

GRANTABLE_ROLES = (
    "hub_loader",
    "hub_reader",
    "hub_steward",
    "dept_commerce",
    "dept_land",
    "dept_stats",
    "dept_approval",
)
# Group roles of the hub: never a login, never granted to one another by `hub access`.
HUB_GROUP_ROLES = (*GRANTABLE_ROLES, "hub_owner", "hub_auditor")


class AccessError(ValueError):
    """A grant or review the warehouse refuses, said plainly."""


def grant(
    warehouse_url: str, login: str, role: str, *, district_code: str | None, password: str | None
) -> list[str]:
    """Make ``login`` (created if missing) a member of ``role`` only, in this warehouse.

    ``district_code`` None grants all districts (recorded as such). ``password``, when given,
    is hashed here (SCRAM-SHA-256) and only the verifier reaches the server.
    """
    if role not in GRANTABLE_ROLES:
        raise AccessError(f"unknown role {role!r}; one of: {', '.join(GRANTABLE_ROLES)}")
    if role == "hub_loader" and district_code is not None:
        raise AccessError("hub_loader reads every table of the pipeline; it cannot be scoped")
    _check_login_name(login)
    done: list[str] = []
    with connect(warehouse_url) as conn:
        database = conn.info.dbname
        _check_name_fits(conn, login)
        if district_code is not None:
            (known,) = run_sql_file(
                conn, "access/district_exists.sql", {"district_code": district_code}
            ).fetchone()
            if not known:
                raise AccessError(f"district {district_code!r} is not in ref.districts")
        ident = sql.Identifier(login)
        existing = _login_role(conn, login)
        if not existing:
            if not password:
                raise AccessError(f"login {login!r} does not exist and no password was given")
            conn.execute(
                sql.SQL("create role {} login password {}").format(
                    ident, sql.Literal(_scram_verifier(conn, login, password))
                )
            )
            done.append(f"created login {login} (password sent as a SCRAM verifier)")
        else:
            done.extend(_reuse_existing_role(conn, login, existing[0], password))
        (login_oid,) = conn.execute(
            "select oid from pg_roles where rolname = %s", [login]
        ).fetchone()
        for other in GRANTABLE_ROLES:
            if other != role:
                conn.execute(sql.SQL("revoke {} from {}").format(sql.Identifier(other), ident))
        conn.execute(sql.SQL("grant {} to {}").format(sql.Identifier(role), ident))
        conn.execute(
            sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database), ident)
        )
        run_sql_file(
            conn,
            "access/record_grant.sql",
            {"login_oid": login_oid, "login": login, "role": role, "district_code": district_code},
        )
        conn.commit()
    done.append(f"{login} is a member of {role} and may connect to {database}")
    done.append(
        f"{login} sees every district"
        if district_code is None
        else f"{login} sees district {district_code} only"
    )
    return done


def revoke(warehouse_url: str, login: str) -> list[str]:
    """Disable the login and remove its hub role, its CONNECT here and its grant."""
    with connect(warehouse_url) as conn:
        existing = _login_role(conn, login)
        if not existing:
            raise AccessError(f"login {login!r} does not exist")
        if login in HUB_GROUP_ROLES:
            raise AccessError(f"{login} is a hub group role, not a login")
        if login == conn.info.user:
            raise AccessError("a login cannot revoke itself")
        if existing[0]["is_privileged"]:
            raise AccessError(f"{login} is a privileged role; `hub access` does not manage it")
        if existing[0]["granted_role"] is None and not existing[0]["holds_hub_role"]:
            # roles are the server's: it may be another warehouse's login, not to disable here
            raise AccessError(f"{login} has no grant and no hub role in this warehouse")
        login_oid = existing[0]["oid"]
        ident = sql.Identifier(login)
        for role in GRANTABLE_ROLES:
            conn.execute(sql.SQL("revoke {} from {}").format(sql.Identifier(role), ident))
        conn.execute(
            sql.SQL("revoke all on database {} from {}").format(
                sql.Identifier(conn.info.dbname), ident
            )
        )
        conn.execute(sql.SQL("alter role {} nologin").format(ident))
        run_sql_file(conn, "access/record_revoke.sql", {"login_oid": login_oid, "login": login})
        conn.commit()
        done = [f"{login} can no longer log in, holds no hub role and no grant here"]
        try:
            (ended,) = run_sql_file(
                conn, "access/terminate_sessions.sql", {"login_oid": login_oid}
            ).fetchone()
            conn.commit()
            if ended:
                done.append(f"ended {ended} open session(s) of {login}")
        except psycopg.errors.InsufficientPrivilege:
            conn.rollback()
            done.append(f"could not end {login}'s open sessions (needs pg_signal_backend)")
    return done


def list_access(warehouse_url: str, *, history: bool = False) -> list[dict]:
    """The grants of this warehouse (or, with ``history``, every grant and revoke)."""
    with connect(warehouse_url) as conn:
        return fetch_dicts(
            conn, "access/access_history.sql" if history else "access/list_grants.sql"
        )


def _login_role(conn: psycopg.Connection, login: str) -> list[dict]:
    return fetch_dicts(
        conn, "access/login_role.sql", {"login": login, "hub_roles": list(GRANTABLE_ROLES)}
    )


def _check_login_name(login: str) -> None:
    if not login or login != login.strip() or "\x00" in login:
        raise AccessError(f"{login!r} is not a usable login name")
    if login in HUB_GROUP_ROLES:
        raise AccessError(f"{login} is a hub group role; grant it to a login instead")
    if login.startswith("pg_"):
        raise AccessError(f"{login}: names starting with pg_ are reserved by PostgreSQL")


def _check_name_fits(conn: psycopg.Connection, login: str) -> None:
    """PostgreSQL silently cuts longer names, so a grant would name another role."""
    (limit,) = conn.execute("select current_setting('max_identifier_length')::int").fetchone()
    if len(login.encode("utf-8")) > limit:
        raise AccessError(
            f"login name is {len(login.encode('utf-8'))} bytes; PostgreSQL keeps only {limit}"
        )


def _reuse_existing_role(
    conn: psycopg.Connection, login: str, role: dict, password: str | None
) -> list[str]:
    """An existing role may be granted only if it is a plain login (or one revoked here)."""
    if role["is_privileged"]:
        raise AccessError(
            f"{login} is a superuser or may bypass row security, create roles or replicate: "
            "no grant could limit what it sees"
        )
    done: list[str] = []
    if not role["can_login"]:
        if role["last_action"] != "revoke":
            raise AccessError(
                f"{login} exists and cannot log in: it is a group role, and granting it would "
                "give its every member this access"
            )
        conn.execute(sql.SQL("alter role {} login").format(sql.Identifier(login)))
        done.append(f"re-enabled login {login}, revoked here earlier")
    if password:
        conn.execute(
            sql.SQL("alter role {} password {}").format(
                sql.Identifier(login), sql.Literal(_scram_verifier(conn, login, password))
            )
        )
        done.append(f"set a new password for {login} (sent as a SCRAM verifier)")
    return done


def _scram_verifier(conn: psycopg.Connection, login: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier libpq computes on the client: the password never leaves."""
    return conn.pgconn.encrypt_password(
        password.encode("utf-8"), login.encode("utf-8"), b"scram-sha-256"
    ).decode("ascii")


def review_queue(warehouse_url: str, limit: int = 50) -> list[dict]:
    """The open match candidates the caller may see, best first (sql/reports/review_queue.sql)."""
    with connect(warehouse_url) as conn:
        return fetch_dicts(conn, "reports/review_queue.sql", {"limit": limit})


def review(warehouse_url: str, candidate_id: int, decision: str, note: str | None) -> str:
    """Settle one match candidate through the same SQL function stewards call."""
    with connect(warehouse_url) as conn:
        try:
            (message,) = run_sql_file(
                conn,
                "access/review_candidate.sql",
                {"candidate_id": candidate_id, "decision": decision, "note": note},
            ).fetchone()
        except (psycopg.errors.NoDataFound, psycopg.errors.InvalidParameterValue) as error:
            raise AccessError(error.diag.message_primary or str(error)) from error
        conn.commit()
    return message
