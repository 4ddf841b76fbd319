"""Who sees what, proven with real PostgreSQL logins made by `hub access grant`.

One warehouse, synced by a hub_loader login (so the pipeline is proven to run on the loader's
least privilege), holds projects in several districts, commerce rejects carrying contact
details in two districts, and a match candidate in each of two districts. Every grantable
role logs in scoped to one district and unscoped, and tries to read, write, create and
escape. The resulting matrix must equal the one in docs/security.md (set
HUB_WRITE_SECURITY_MATRIX=1 to rewrite it there after a deliberate change).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg.types.json import Jsonb
from sqlalchemy.engine import make_url

from hub.access import GRANTABLE_ROLES, AccessError, grant, list_access, revoke
from hub.config import Settings
from hub.pipeline import run_sync
from hub.warehouse.connection import connect, libpq_url

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
SECURITY_DOC = REPO_ROOT / "docs" / "security.md"
MATRIX_BEGIN = "<!-- access-matrix:begin (tests/integration/test_access.py) -->"
MATRIX_END = "<!-- access-matrix:end -->"
PASSWORD = "pw-" + uuid.uuid4().hex[:8]
RUN = uuid.uuid4().hex[:6]
READER_ROLES = [role for role in GRANTABLE_ROLES if role != "hub_loader"]


@dataclass
class Hub:
    url: str
    home: str  # the scoped logins' district
    away: str  # another district with projects
    projects: dict[str, int]  # district → live projects
    candidates: dict[str, int]  # district → an open match candidate there
    make_login: Callable[..., psycopg.Connection]


def login_url(url: str, login: str, password: str = PASSWORD, database: str | None = None) -> str:
    target = make_url(libpq_url(url)).set(username=login, password=password)
    if database:
        target = target.set(database=database)
    return target.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def hub(databases, scenario, tmp_path_factory) -> Iterator[Hub]:
    from hub.sandbox import SandboxDepartments

    url = databases.create()
    created: list[str] = []

    def make_login(role: str | None, district: str | None = None, *, name: str | None = None):
        login = name or f"t{RUN}_{role or 'none'}_{district or 'all'}"
        if role is None:  # a member of a hub role by hand, never granted here
            with connect(url, autocommit=True) as admin:
                admin.execute(f"create role \"{login}\" login password '{PASSWORD}'")
                admin.execute(f'grant dept_land to "{login}"')
                admin.execute(f'grant connect on database "{admin.info.dbname}" to "{login}"')
        else:
            grant(url, login, role, district_code=district, password=PASSWORD)
        if login not in created:
            created.append(login)
        return psycopg.connect(login_url(url, login))

    loader = f"t{RUN}_pipeline"
    grant(url, loader, "hub_loader", district_code=None, password=PASSWORD)
    created.append(loader)
    home = tmp_path_factory.mktemp("access-home")
    departments = SandboxDepartments(
        scenario, home / "land", ports={"commerce": 0, "approval": 0, "stats": 0}
    )
    departments.start()
    try:
        env = {
            **departments.env(),
            "HUB_WAREHOUSE_URL": make_url(url)
            .set(username=loader, password=PASSWORD)
            .render_as_string(hide_password=False),
            "HUB_HOME": str(home),
        }
        report = run_sync(Settings.from_env(env))
    finally:
        departments.stop()
    assert report.ok, (report.failures, report.publish_failure)

    with connect(url) as admin:
        counts = dict(
            admin.execute(
                "select district_code, count(*) from core.projects"
                " group by 1 order by 2 desc, 1 limit 2"
            ).fetchall()
        )
        home_district, away_district = counts
        candidates = {}
        for district in counts:
            (project,) = admin.execute(
                "select min(hub_project_id) from core.projects where district_code = %s",
                [district],
            ).fetchone()
            (candidates[district],) = admin.execute(
                "insert into core.match_candidates"
                " (source_system, source_key, hub_project_id, score, evidence)"
                " values ('land', %s, %s, 0.8, '{}') returning candidate_id",
                [f"X-{district}", project],
            ).fetchone()
        # Rejected commerce records whose payloads carry contact details, in each district
        # and in none the hub knows.
        for raw_id, district in enumerate((home_district, away_district, "999999"), 9_000_001):
            payload = {
                "project_no": f"REJ-{district}",
                "district_code": district,
                "contact_person": f"联系人-{district}",
                "contact_phone": f"1390{district}",
            }
            admin.execute(
                "insert into meta.rejects (source_system, entity, raw_id, batch_id, source_key,"
                " received_at, reasons, payload, district_code)"
                " values ('commerce', 'projects', %s, 'test', %s, now(), '{test}', %s,"
                " (select district_code from core.payload_district('commerce', %s)))",
                [raw_id, payload["project_no"], Jsonb(payload), Jsonb(payload)],
            )
        admin.commit()

    yield Hub(url, home_district, away_district, counts, candidates, make_login)

    with connect(url, autocommit=True) as admin:
        for login in created:
            if admin.execute("select 1 from pg_roles where rolname = %s", [login]).fetchone():
                admin.execute(f'drop owned by "{login}"')
                admin.execute(f'drop role "{login}"')


# --- probes: each returns a short verdict for one cell of the matrix ------------------------


def attempt(conn: psycopg.Connection, statement: str, params=None) -> str:
    """Run in a transaction that is always rolled back; 'ok', 'denied' or the error class."""
    try:
        conn.execute(statement, params).fetchall() if statement.lstrip().startswith(
            ("select", "with")
        ) else conn.execute(statement, params)
        return "ok"
    except psycopg.errors.InsufficientPrivilege:
        return "denied"
    except psycopg.Error as error:
        return type(error).__name__
    finally:
        conn.rollback()


def visible_districts(conn: psycopg.Connection, relation: str, column: str, hub: Hub) -> str:
    try:
        rows = conn.execute(f"select distinct {column} from {relation}").fetchall()
    except psycopg.errors.InsufficientPrivilege:
        return "denied"
    finally:
        conn.rollback()
    seen = {district for (district,) in rows}
    if not seen:
        return "none"
    if seen == {hub.home}:
        return "own district"
    if {hub.home, hub.away} <= seen:
        return "all"
    return "other: " + ", ".join(sorted(map(str, seen)))


def reject_payloads(conn: psycopg.Connection, hub: Hub) -> str:
    try:
        rows = conn.execute(
            "select distinct source_system, district_code from shared.rejected_records"
            " where payload is not null"
        ).fetchall()
    except psycopg.errors.InsufficientPrivilege:
        return "denied"
    finally:
        conn.rollback()
    if not rows:
        return "none"
    systems = sorted({system for system, _ in rows})
    districts = {district for _, district in rows}
    where = "own district" if districts == {hub.home} else "any district"
    department = "all depts" if len(systems) == 4 else "/".join(systems)
    return f"{department}, {where}"


def review(conn: psycopg.Connection, candidate_id: int) -> str:
    try:
        conn.execute("select shared.review_candidate(%s, 'accept', 'matrix')", [candidate_id])
        return "settled"
    except psycopg.errors.InsufficientPrivilege:
        return "denied"
    except psycopg.errors.NoDataFound:
        return "not found"
    finally:
        conn.rollback()


WRITES = {
    "core": "update core.projects set stage = stage",
    "raw": "delete from raw.commerce__projects",
    "shared/public": "create table public.probe (x int)",
    "temp": "create temp table probe (x int)",
    "decisions": "insert into core.steward_decisions (source_system, source_key,"
    " hub_project_id, decision, decided_by) values ('land', 'x', 1, 'accept', 'me')",
    "grants": "delete from meta.access_grants",
}


def probe(conn: psycopg.Connection, hub: Hub) -> dict[str, str]:
    row = {
        "projects": visible_districts(conn, "shared.projects", "district_code", hub),
        "contacts": visible_districts(conn, "shared.commerce_contacts", "district_code", hub),
        "reject payloads": reject_payloads(conn, hub),
        "read core/raw/meta": "/".join(
            attempt(conn, f"select 1 from {table} limit 1")
            for table in ("core.projects", "raw.commerce__projects", "meta.access_grants")
        ),
        "review own / other district": "/".join(
            review(conn, hub.candidates[district]) for district in (hub.home, hub.away)
        ),
    }
    denied = [name for name, statement in WRITES.items() if attempt(conn, statement) == "denied"]
    allowed = [name for name in WRITES if name not in denied]
    row["writes/creates allowed"] = ", ".join(allowed) or "none"
    return row


def access_matrix(hub: Hub) -> list[tuple[str, dict[str, str]]]:
    rows = []
    for role in READER_ROLES:
        for district in (hub.home, None):
            conn = hub.make_login(role, district)
            with conn:
                rows.append(
                    (f"{role} {'one district' if district else 'all districts'}", probe(conn, hub))
                )
    with psycopg.connect(login_url(hub.url, f"t{RUN}_pipeline")) as loader:
        rows.append(("hub_loader (runs the sync)", probe(loader, hub)))
    with hub.make_login(None) as ungranted:
        rows.append(("member of dept_land, no grant here", probe(ungranted, hub)))
    return rows


def render(rows: list[tuple[str, dict[str, str]]]) -> str:
    columns = list(rows[0][1])
    lines = [
        "| login | " + " | ".join(columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    lines += [f"| {name} | " + " | ".join(cells[c] for c in columns) + " |" for name, cells in rows]
    return "\n".join(lines)


def test_access_matrix_is_the_documented_one(hub):
    rows = dict(access_matrix(hub))
    table = render(list(rows.items()))
    # The rules, said directly (the documented table must also agree, below).
    for role in READER_ROLES:
        scoped, unscoped = rows[f"{role} one district"], rows[f"{role} all districts"]
        assert scoped["projects"] == "own district" and unscoped["projects"] == "all"
        commerce = role == "dept_commerce"
        assert scoped["contacts"] == ("own district" if commerce else "denied")
        assert unscoped["contacts"] == ("all" if commerce else "denied")
        assert scoped["read core/raw/meta"] == "denied/denied/denied"
        steward = role == "hub_steward"
        assert scoped["review own / other district"] == (
            "settled/not found" if steward else "denied/denied"
        )
        assert unscoped["review own / other district"] == (
            "settled/settled" if steward else "denied/denied"
        )
        assert scoped["writes/creates allowed"] == unscoped["writes/creates allowed"] == "none"
    assert rows["dept_commerce one district"]["reject payloads"] == "commerce, own district"
    assert rows["dept_commerce all districts"]["reject payloads"] == "commerce, any district"
    assert rows["hub_reader all districts"]["reject payloads"] == "denied"
    loader = rows["hub_loader (runs the sync)"]
    assert loader["contacts"] == "denied"
    assert loader["writes/creates allowed"] == "core, temp"
    ungranted = rows["member of dept_land, no grant here"]
    assert ungranted["projects"] == "none" and ungranted["reject payloads"] == "none"

    document = SECURITY_DOC.read_text(encoding="utf-8")
    if os.environ.get("HUB_WRITE_SECURITY_MATRIX"):
        head, _, rest = document.partition(MATRIX_BEGIN)
        _, _, tail = rest.partition(MATRIX_END)
        document = f"{head}{MATRIX_BEGIN}\n{table}\n{MATRIX_END}{tail}"
        SECURITY_DOC.write_text(document, encoding="utf-8")
    assert f"{MATRIX_BEGIN}\n{table}\n{MATRIX_END}" in document, (
        "docs/security.md's matrix differs from the warehouse's; the measured one:\n" + table
    )


# --- the escapes a probe of the earlier warehouse found, one test each ----------------------


def test_set_role_keeps_the_logins_scope(hub):
    with hub.make_login("dept_commerce", hub.home) as conn:
        conn.autocommit = True
        conn.execute("set role dept_commerce")
        assert visible_districts(conn, "shared.projects", "district_code", hub) == "own district"
        assert (
            visible_districts(conn, "shared.commerce_contacts", "district_code", hub)
            == "own district"
        )


def test_a_login_cannot_reach_another_warehouse_on_the_server(hub, databases):
    other = make_url(databases.create()).database
    conn = hub.make_login("hub_reader", None)
    login = conn.info.user
    conn.close()
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(login_url(hub.url, login, database=other)).close()


def test_names_postgresql_would_cut_are_refused(hub):
    too_long = f"t{RUN}_" + "区" * 20  # 60 bytes of 区 alone
    with pytest.raises(AccessError, match="PostgreSQL keeps only 63"):
        grant(hub.url, too_long, "dept_land", district_code=hub.home, password=PASSWORD)
    with connect(hub.url) as admin:
        assert not admin.execute(
            "select 1 from pg_roles where rolname like %s", [f"t{RUN}\\_区%"]
        ).fetchall()


def test_a_renamed_login_keeps_its_scope(hub):
    conn = hub.make_login("dept_land", hub.home, name=f"t{RUN}_before_rename")
    conn.close()
    renamed = f"t{RUN}_after_rename"
    with connect(hub.url, autocommit=True) as admin:
        admin.execute(f'alter role "t{RUN}_before_rename" rename to "{renamed}"')
    try:
        with psycopg.connect(login_url(hub.url, renamed)) as conn:
            assert visible_districts(conn, "shared.projects", "district_code", hub) == (
                "own district"
            )
        assert any(row["login"] == renamed for row in list_access(hub.url))
    finally:
        with connect(hub.url, autocommit=True) as admin:
            admin.execute(f'drop owned by "{renamed}"')
            admin.execute(f'drop role "{renamed}"')


def test_a_scoped_department_sees_only_its_districts_rejects(hub):
    with hub.make_login("dept_commerce", hub.home) as conn:
        people = {
            p
            for (p,) in conn.execute(
                "select payload ->> 'contact_person' from shared.rejected_records"
            )
        }
    assert people == {f"联系人-{hub.home}"}


def test_a_scoped_steward_cannot_settle_another_districts_candidate(hub):
    with (
        hub.make_login("hub_steward", hub.home) as conn,
        pytest.raises(psycopg.errors.NoDataFound, match="no match candidate"),
    ):
        conn.execute(
            "select shared.review_candidate(%s, 'accept', null)", [hub.candidates[hub.away]]
        )


def test_group_roles_and_privileged_roles_are_refused_as_logins(hub):
    with pytest.raises(AccessError, match="hub group role"):
        grant(hub.url, "dept_commerce", "dept_land", district_code=None, password=PASSWORD)
    group = f"t{RUN}_some_group"
    with connect(hub.url, autocommit=True) as admin:
        admin.execute(f'create role "{group}" nologin')
        try:
            with pytest.raises(AccessError, match="cannot log in: it is a group role"):
                grant(hub.url, group, "dept_commerce", district_code=None, password=None)
            with pytest.raises(AccessError, match="superuser"):
                grant(hub.url, admin.info.user, "hub_reader", district_code=None, password=None)
        finally:
            admin.execute(f'drop role "{group}"')


def test_revoke_disables_the_login_and_ends_its_sessions(hub):
    conn = hub.make_login("hub_reader", hub.home, name=f"t{RUN}_to_revoke")
    lines = revoke(hub.url, f"t{RUN}_to_revoke")
    assert any("can no longer log in" in line for line in lines)
    with pytest.raises(psycopg.OperationalError):
        conn.execute("select 1")
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        psycopg.connect(login_url(hub.url, f"t{RUN}_to_revoke")).close()
    # granted again, it may log in again (a login this warehouse revoked, not a group role)
    hub.make_login("hub_reader", hub.home, name=f"t{RUN}_to_revoke").close()
    history = [
        row["action"]
        for row in list_access(hub.url, history=True)
        if row["login"] == f"t{RUN}_to_revoke"
    ]
    assert history == ["grant", "revoke", "grant"]


def test_revoke_refuses_a_login_this_warehouse_never_granted(hub):
    stranger = f"t{RUN}_stranger"
    with connect(hub.url, autocommit=True) as admin:
        admin.execute(f'create role "{stranger}" login')
        try:
            with pytest.raises(AccessError, match="no grant and no hub role"):
                revoke(hub.url, stranger)
            (can_login,) = admin.execute(
                "select rolcanlogin from pg_roles where rolname = %s", [stranger]
            ).fetchone()
            assert can_login  # another warehouse's login stays usable
        finally:
            admin.execute(f'drop role "{stranger}"')


def test_passwords_reach_the_server_only_as_scram_verifiers(hub):
    hub.make_login("hub_reader", hub.home, name=f"t{RUN}_scram").close()
    with connect(hub.url) as admin:
        (stored,) = admin.execute(
            "select rolpassword from pg_authid where rolname = %s", [f"t{RUN}_scram"]
        ).fetchone()
    assert stored.startswith("SCRAM-SHA-256$") and PASSWORD not in stored


def test_security_definer_functions_pin_their_search_path(hub):
    with connect(hub.url) as admin:
        unpinned = admin.execute(
            "select p.oid::regprocedure::text from pg_proc as p"
            " join pg_namespace as n on n.oid = p.pronamespace"
            " where p.prosecdef and n.nspname not in ('pg_catalog', 'information_schema')"
            " and not exists (select 1 from unnest(p.proconfig) as c"
            "   where c like 'search\\_path=pg\\_catalog, pg\\_temp')"
        ).fetchall()
    assert unpinned == []


def test_every_shared_view_is_a_security_barrier_scoped_by_the_login(hub):
    with connect(hub.url) as admin:
        rows = admin.execute(
            "select c.relname, coalesce('security_barrier=true' = any (c.reloptions), false),"
            " exists (select 1 from pg_depend as d join pg_rewrite as w on w.oid = d.objid"
            "   where w.ev_class = c.oid and d.refobjid = 'core.reader_scope'::regclass)"
            " from pg_class as c join pg_namespace as n on n.oid = c.relnamespace"
            " where n.nspname = 'shared' and c.relkind = 'v'"
        ).fetchall()
        # Which shared views each shared view reads.
        reads = admin.execute(
            "select distinct v.relname, r.relname"
            " from pg_class as v join pg_namespace as vn on vn.oid = v.relnamespace"
            " join pg_rewrite as w on w.ev_class = v.oid"
            " join pg_depend as d on d.objid = w.oid and d.classid = 'pg_rewrite'::regclass"
            " join pg_class as r on r.oid = d.refobjid and r.oid <> v.oid"
            " join pg_namespace as rn on rn.oid = r.relnamespace"
            " where vn.nspname = 'shared' and v.relkind = 'v' and rn.nspname = 'shared'"
        ).fetchall()
    assert {name for name, barrier, _ in rows if not barrier} == set()
    # A view is scoped when it joins the scope itself, or reads only through a scoped shared
    # view (signing_indicators and the lifecycle views read shared.projects): to a fixpoint.
    scoped = {name for name, _, joins_scope in rows if joins_scope}
    while True:
        more = {
            view
            for view, _, _ in rows
            if view not in scoped
            and (read := {r for v, r in reads if v == view})
            and read <= scoped
        }
        if not more:
            break
        scoped |= more
    assert {name for name, _, _ in rows} - scoped == set()
    unscoped_directly = {name for name, _, joins_scope in rows if not joins_scope}
    assert "signing_indicators" in unscoped_directly  # the rule above is exercised
