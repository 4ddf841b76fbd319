"""`hub access grant|revoke` and `hub review`: who may read what, and steward decisions.

Roles are the warehouse contract's (created by `hub db upgrade`); a login is made a member
of exactly one of them, optionally limited to one district (meta.access_scopes, which the
shared views consult through core.reader_scope).
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


class AccessError(ValueError):
    """A grant or review the warehouse refuses, said plainly."""


def grant(
    warehouse_url: str, login: str, role: str, *, district_code: str | None, password: str | None
) -> list[str]:
    """Make ``login`` (created if missing) a member of ``role`` only; scope it if asked."""
    if role not in GRANTABLE_ROLES:
        raise AccessError(f"unknown role {role!r}; one of: {', '.join(GRANTABLE_ROLES)}")
    done: list[str] = []
    with connect(warehouse_url) as conn:
        if district_code is not None:
            (known,) = run_sql_file(
                conn, "access/district_exists.sql", {"district_code": district_code}
            ).fetchone()
            if not known:
                raise AccessError(f"district {district_code!r} is not in ref.districts")
        (exists,) = run_sql_file(conn, "access/login_exists.sql", {"login": login}).fetchone()
        if not exists:
            if not password:
                raise AccessError(f"login {login!r} does not exist and no password was given")
            run_sql_file(
                conn,
                "access/create_login.sql",
                login=sql.Identifier(login),
                password=sql.Literal(password),
            )
            done.append(f"created login {login}")
        for other in GRANTABLE_ROLES:
            if other != role:
                run_sql_file(
                    conn,
                    "access/revoke_role.sql",
                    role=sql.Identifier(other),
                    login=sql.Identifier(login),
                )
        run_sql_file(
            conn, "access/grant_role.sql", role=sql.Identifier(role), login=sql.Identifier(login)
        )
        done.append(f"{login} is a member of {role}")
        if district_code is None:
            run_sql_file(conn, "access/clear_scope.sql", {"login": login})
            done.append(f"{login} sees every district")
        else:
            run_sql_file(
                conn, "access/set_scope.sql", {"login": login, "district_code": district_code}
            )
            done.append(f"{login} sees district {district_code} only")
        conn.commit()
    return done


def revoke(warehouse_url: str, login: str) -> list[str]:
    """Remove the login's hub role memberships and its district scope (the login stays)."""
    with connect(warehouse_url) as conn:
        (exists,) = run_sql_file(conn, "access/login_exists.sql", {"login": login}).fetchone()
        if not exists:
            raise AccessError(f"login {login!r} does not exist")
        for role in GRANTABLE_ROLES:
            run_sql_file(
                conn,
                "access/revoke_role.sql",
                role=sql.Identifier(role),
                login=sql.Identifier(login),
            )
        run_sql_file(conn, "access/clear_scope.sql", {"login": login})
        conn.commit()
    return [f"{login} holds no hub role and no district scope"]


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
