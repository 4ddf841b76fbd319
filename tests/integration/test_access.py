"""Roles, district scoping, personal data and the steward's one write — as real logins."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url

from hub.access import AccessError, grant, review, revoke
from hub.pipeline import run_sync
from hub.warehouse.connection import connect, libpq_url

pytestmark = pytest.mark.integration


@pytest.fixture
def synced(hub_settings):
    assert run_sync(hub_settings).ok
    return hub_settings.warehouse_url


@pytest.fixture
def logins(synced):
    """Creates logins for a test; drops them afterwards (roles are cluster-wide)."""
    created: list[str] = []

    def make(role: str, district: str | None = None) -> psycopg.Connection:
        login = f"t_{role}_{uuid.uuid4().hex[:6]}"
        grant(synced, login, role, district_code=district, password="pw")
        created.append(login)
        url = make_url(libpq_url(synced)).set(username=login, password="pw")
        return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)

    yield make
    with connect(synced, autocommit=True) as conn:
        for login in created:
            conn.execute(f'drop owned by "{login}"')
            conn.execute(f'drop role "{login}"')


def denied(conn: psycopg.Connection, statement: str) -> bool:
    try:
        conn.execute(statement)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


def test_reader_reads_shared_only(logins):
    reader = logins("hub_reader")
    assert reader.execute("select count(*) from shared.projects").fetchone()[0] > 0
    assert reader.execute("select count(*) from shared.signing_indicators").fetchone()[0] > 0
    for statement in (
        "select * from core.projects",
        "select * from raw.commerce__projects",
        "select * from meta.rejects",
        "select payload from shared.rejected_records",
        "select * from shared.commerce_contacts",
        "create table shared.mine (x int)",
        "create table public.mine (x int)",
        "update core.projects set stage = 'x'",
        "select shared.review_candidate(1, 'accept', null)",
    ):
        assert denied(reader, statement), statement
    assert reader.execute("select count(*) from shared.rejected_records").fetchone()[0] > 0


def test_department_sees_its_own_rejects_with_payloads(logins):
    land = logins("dept_land")
    rows = land.execute("select source_system, payload from shared.rejected_records").fetchall()
    assert rows and {system for system, _ in rows} == {"land"}
    assert all(payload for _, payload in rows)
    assert denied(land, "select * from shared.commerce_contacts")


def test_personal_data_is_commerce_only(logins, synced):
    commerce = logins("dept_commerce")
    contacts = commerce.execute("select contact_person from shared.commerce_contacts").fetchall()
    assert contacts and any(person for (person,) in contacts)
    shared_columns = {
        name
        for (name,) in commerce.execute(
            "select column_name from information_schema.columns where table_schema = 'shared'"
            " and table_name <> 'commerce_contacts'"
        )
    }
    assert not {"contact_person", "contact_phone"} & shared_columns


def test_district_scope_limits_projects_and_facts(logins, synced):
    with connect(synced) as conn:
        district, expected = conn.execute(
            "select district_code, count(*) from core.projects group by 1 order by 2 desc limit 1"
        ).fetchone()
    scoped = logins("hub_reader", district)
    assert scoped.execute("select count(*) from shared.projects").fetchone()[0] == expected
    assert (
        scoped.execute(
            "select count(*) from shared.projects where district_code <> %s", [district]
        ).fetchone()[0]
        == 0
    )
    outside = scoped.execute(
        "select count(*) from shared.project_milestones m where not exists"
        " (select 1 from shared.projects p where p.hub_project_id = m.hub_project_id)"
    ).fetchone()[0]
    assert outside == 0
    unscoped = logins("hub_reader")
    assert unscoped.execute("select count(*) from shared.projects").fetchone()[0] > expected


def test_grant_refuses_unknown_role_and_district(synced):
    with pytest.raises(AccessError, match="unknown role"):
        grant(synced, "t_nobody", "superuser", district_code=None, password="pw")
    with pytest.raises(AccessError, match=r"not in ref\.districts"):
        grant(synced, "t_nobody", "hub_reader", district_code="999999", password="pw")


def test_revoke_removes_role_and_scope(logins, synced):
    conn = logins("hub_reader", "370212")
    login = conn.info.user
    revoke(synced, login)
    assert denied(conn, "select count(*) from shared.projects")
    with connect(synced) as admin:
        assert (
            admin.execute(
                "select count(*) from meta.access_scopes where login = %s", [login]
            ).fetchone()[0]
            == 0
        )


def test_steward_settles_a_candidate_once(logins, synced):
    with connect(synced) as conn:
        hub_project_id = conn.execute("select min(hub_project_id) from core.projects").fetchone()[0]
        (candidate_id,) = conn.execute(
            "insert into core.match_candidates"
            " (source_system, source_key, hub_project_id, score, evidence)"
            " values ('land', 'X-1', %s, 0.8, '{}') returning candidate_id",
            [hub_project_id],
        ).fetchone()
        conn.commit()
    steward = logins("hub_steward")
    message = steward.execute(
        "select shared.review_candidate(%s, 'accept', 'same company, same site')", [candidate_id]
    ).fetchone()[0]
    assert message.startswith("accept land/X-1")
    assert denied(steward, "update core.match_candidates set status = 'open'")
    with pytest.raises(AccessError, match="already accepted"):
        review(synced, candidate_id, "reject", None)
    with connect(synced) as conn:
        decided_by, decision = conn.execute(
            "select decided_by, decision from core.steward_decisions where source_key = 'X-1'"
        ).fetchone()
    assert decision == "accept" and decided_by == steward.info.user


def test_hub_owner_owns_every_object(fresh_warehouse_url):
    with connect(fresh_warehouse_url) as conn:
        others = conn.execute(
            "select n.nspname || '.' || c.relname, pg_get_userbyid(c.relowner)"
            " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname in ('raw', 'staging', 'core', 'meta', 'ref', 'shared')"
            " and c.relkind in ('r', 'v', 'm', 'p') and pg_get_userbyid(c.relowner) <> 'hub_owner'"
        ).fetchall()
    assert others == []
