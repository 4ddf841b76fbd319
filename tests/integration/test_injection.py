"""SQL injection and search_path tricks, in the departments' data and in a caller's session.

Issue 11: "Source data carrying SQL-injection strings and search_path tricks changes
nothing." A small scenario is synced twice into two fresh warehouses: once as generated
(the reference) and once with injection payloads put into text fields of records of every
department — names, codes, keys, land cells (行政区划 and 宗地编号 among them), stats roster
fields, JSON keys the contract does not know, and a land file whose header carries SQL as a
column name (schema drift, connectors/common/drift.py). Nothing in the hub may run any of it:

- the sync finishes (rejects allowed, no failure);
- the warehouse's structure — schemas, relations, functions, owners and grants, triggers,
  policies, per-database settings, hub roles, a new session's search_path — is what it was
  before the sync and what the reference sync left;
- every record that carries no payload is stored exactly as in the reference run;
- every payload is kept verbatim: as data in core, or in the reject's payload with reasons;
  a key name the contract does not know in the drift report (shared.sync_status);
- no file was written by a ``copy ... to``.

The second half is about sessions: a caller whose search_path is hostile, with objects in
pg_temp shadowing built-ins, must not change what the hub's SECURITY DEFINER functions do.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from hub.config import Settings
from hub.pipeline import run_sync
from hub.sandbox import SandboxDepartments, generate_scenario
from hub.sandbox.land_files import DONE_SUFFIX, LAND_COLUMNS
from hub.warehouse.connection import connect, libpq_url

pytestmark = pytest.mark.integration

PWNED = Path("/tmp/pwned")
# A file of this run's own as well, so a leftover /tmp/pwned cannot hide a fresh one.
PWNED_THIS_RUN = Path(f"/tmp/pwned-{uuid.uuid4().hex[:12]}")

DROP = "'); drop table core.projects; --"
OR_TRUE = "x' or '1'='1"
SEARCH_PATH = '"; set search_path = pg_temp, public; --'
DOLLAR = "$$; select pg_sleep(10); $$"
COPY_OUT = "\\'; copy core.projects to '/tmp/pwned'; --"
COPY_OUT_THIS_RUN = f"'); copy core.projects to '{PWNED_THIS_RUN}'; --"
SHADOW = "pg_temp.lower"
SET_ROLE = "set role hub_owner"
E_STRING = "E'\\x00'"  # backslash, x, 0, 0: text, not a NUL
U_ESCAPE = "\\u0000 \\\\u0000"  # a JSON escape as text, then an escaped backslash before one
DROP_IN_KEY = "'; drop table core.projects; --"

#: JSON keys no contract knows: quotes, "search_path", SQL.
HOSTILE_JSON_KEYS = {
    '"search_path"': SEARCH_PATH,
    "search_path": "pg_temp, public",
    DROP: OR_TRUE,
    "x\"'); select pg_sleep(10); --": DOLLAR,
}
#: Land columns no contract knows: the drop file's header carries them.
HOSTILE_LAND_COLUMNS = (DROP, '"search_path"')

SCENARIO_SIZE = 60
SCENARIO_SEED = 23
KEY_FIELD = {
    "commerce": "project_no",
    "approval": "event_id",
    "land": "宗地编号",
    "stats": "stat_project_id",
}
CORE_TABLE = {
    "commerce": ("core.commerce_projects", "project_no"),
    "approval": ("core.approval_events", "event_id"),
    "land": ("core.land_parcels", "parcel_id"),
    "stats": ("core.stats_roster", "stat_project_id"),
}
RAW_TABLE = {
    "commerce": "raw.commerce__projects",
    "approval": "raw.approval__events",
    "land": "raw.land__parcels",
    "stats": "raw.stats__roster",
}
# Which bookkeeping columns of a core row say where/when it landed, not what it holds.
LANDING_COLUMNS = {"raw_id", "batch_id"}

#: Per department, groups of (field, payload), each group put into one record of its own.
INJECTIONS: dict[str, list[list[tuple[str, str]]]] = {
    "commerce": [
        [
            ("project_name", DROP),
            ("investor_name", OR_TRUE),
            ("project_company_name", SEARCH_PATH),
            ("contact_person", DOLLAR),
        ],
        [
            ("origin_city", SHADOW),
            ("industry_chain", SET_ROLE),
            ("contact_phone", E_STRING),
            ("origin_province", U_ESCAPE),
        ],
        [("district_code", DROP)],
        [("project_code", COPY_OUT)],
        [("project_code", COPY_OUT_THIS_RUN), ("investor_name", COPY_OUT)],
        [("project_no", "SW2024-" + DROP_IN_KEY)],
    ],
    "approval": [
        [
            ("project_name", OR_TRUE),
            ("applicant_name", DROP),
            ("document_no", SEARCH_PATH),
        ],
        [("matter", SET_ROLE)],
        [("district_code", SEARCH_PATH)],
        [("project_code", COPY_OUT), ("project_name", DOLLAR)],
        [("supersedes_event_id", OR_TRUE)],
        [("event_id", "SP" + DROP_IN_KEY)],
    ],
    "land": [
        [
            ("项目名称", DROP),
            ("用地单位", OR_TRUE),
            ("土地用途", E_STRING),
        ],
        [("行政区划", SEARCH_PATH)],
        [("行政区划", DOLLAR)],
        [("项目代码", COPY_OUT)],
        [("宗地编号", "370200-" + DROP_IN_KEY)],
        [("供地方式", SET_ROLE)],
    ],
    "stats": [
        [
            ("project_name", SEARCH_PATH),
            ("legal_unit_name", DROP),
            ("industry_code", SHADOW),
        ],
        [("district_code", OR_TRUE)],
        [("project_code", COPY_OUT)],
        [("status", DOLLAR)],
        [("project_name", U_ESCAPE), ("legal_unit_name", E_STRING)],
        [("stat_project_id", "TJ" + DROP_IN_KEY)],
    ],
}


@dataclass(frozen=True)
class Injected:
    """One payload as served: in which department's record (its key as served and as the
    reference run has it), which field, and the payload."""

    department: str
    key: str
    original_key: str
    field: str
    value: str
    period: str | None = None  # stats: the roster period of the row


@dataclass
class Plan:
    scenario: Any
    injected: list[Injected]
    #: department -> core keys of the records carrying payloads (as served / as in the
    #: reference run); stats keys are (period, stat_project_id)
    touched: dict[str, set]
    touched_reference: dict[str, set]
    #: department -> the keys of records served with extra JSON keys (unchanged otherwise)
    drift_keys: dict[str, str]
    #: the land row re-delivered in a file with extra (SQL) columns, those cells included
    land_drift_row: dict[str, str]


def _core_key(department: str, key: str, period: str | None) -> Any:
    return (period, key) if department == "stats" else key


def _plan() -> Plan:
    """The scenario with every payload of INJECTIONS put in, on a deep copy."""
    scenario = copy.deepcopy(generate_scenario(size=SCENARIO_SIZE, seed=SCENARIO_SEED))
    bad = scenario.truth.bad_records
    land_key_count: dict[str, int] = {}
    for land_file in scenario.land_files:
        for row in land_file.rows:
            land_key_count[row["宗地编号"]] = land_key_count.get(row["宗地编号"], 0) + 1
    latest = max((p for p in scenario.stats_periods if p.current), key=lambda p: p.period)
    # Candidate records per department: valid, current, each key served once.
    candidates: dict[str, list[tuple[dict[str, Any], str | None]]] = {
        "commerce": [
            (r, None)
            for r in scenario.commerce_records
            if not r["is_deleted"] and ("commerce", r["project_no"]) not in bad
        ],
        "approval": [
            (e, None)
            for e in scenario.approval_events
            if e["decision"] == "准予"
            and e["supersedes_event_id"] is None
            and ("approval", e["event_id"]) not in bad
        ],
        "land": [
            (row, None)
            for land_file in scenario.land_files
            for row in land_file.rows
            if row["状态"] == "有效"
            and land_key_count[row["宗地编号"]] == 1
            and ("land", row["宗地编号"]) not in bad
        ],
        "stats": [
            (row, latest.period)
            for row in latest.rows
            if ("stats", row["stat_project_id"]) not in bad
        ],
    }
    injected: list[Injected] = []
    touched: dict[str, set] = {d: set() for d in KEY_FIELD}
    touched_reference: dict[str, set] = {d: set() for d in KEY_FIELD}
    drift_keys: dict[str, str] = {}
    land_drift_row: dict[str, str] = {}
    for department, groups in INJECTIONS.items():
        pool = sorted(candidates[department], key=lambda item: item[0][KEY_FIELD[department]])
        # spread over the feed; one record per group, then one for extra JSON keys / columns
        step = max(1, len(pool) // (len(groups) + 2))
        chosen = pool[::step]
        assert len(chosen) >= len(groups) + 1, f"{department}: too few records to inject into"
        for (record, period), group in zip(chosen, groups, strict=False):
            original_key = record[KEY_FIELD[department]]
            for field, value in group:
                record[field] = value
            key = record[KEY_FIELD[department]]
            touched[department].add(_core_key(department, key, period))
            touched_reference[department].add(_core_key(department, original_key, period))
            injected += [
                Injected(department, key, original_key, field, value, period)
                for field, value in group
            ]
        record, period = chosen[len(groups)]
        key = record[KEY_FIELD[department]]
        if department == "land":
            # re-delivered (same cells) in a later file whose header has SQL column names:
            # stored again with its new file and line, so not compared with the reference
            land_drift_row.update({**record, **{c: OR_TRUE for c in HOSTILE_LAND_COLUMNS}})
            touched[department].add(key)
            touched_reference[department].add(key)
        else:
            record.update(HOSTILE_JSON_KEYS)  # unchanged in core: compared with the reference
        drift_keys[department] = key
    return Plan(scenario, injected, touched, touched_reference, drift_keys, land_drift_row)


def _write_land_drift_file(land_dir: Path, scenario, row: dict[str, str]) -> str:
    """A drop file after the scenario's last, its header carrying HOSTILE_LAND_COLUMNS, its
    one row ``row``; written as the bureau writes files (GB18030, RFC 4180, ``\\r\\n``)."""
    last = max(
        dt.datetime.strptime(re.search(r"(\d{8})", f.name).group(1), "%Y%m%d").date()
        for f in scenario.land_files
    )
    name = f"land_supply_{last + dt.timedelta(days=1):%Y%m%d}.csv"
    buffer = io.StringIO(newline="")
    columns = [*LAND_COLUMNS, *HOSTILE_LAND_COLUMNS]
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(row)
    (land_dir / name).write_bytes(buffer.getvalue().encode("gb18030"))
    (land_dir / (name + DONE_SUFFIX)).touch()
    return name


# ----------------------------------------------------------------------------- catalog


CATALOG_QUERIES = {
    "schemas": """
        select nspname, pg_get_userbyid(nspowner), coalesce(nspacl::text, '')
        from pg_namespace where nspname !~ '^pg_(toast_)?temp_'
    """,
    "relations": """
        select n.nspname, c.relname, c.relkind, c.relpersistence,
               pg_get_userbyid(c.relowner), coalesce(c.relacl::text, ''), c.relrowsecurity
        from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname !~ '^pg_(toast_)?temp_' and n.nspname <> 'pg_toast'
          and c.relpersistence <> 't'
    """,
    "columns": """
        select n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
        from pg_attribute as a
        join pg_class as c on c.oid = a.attrelid
        join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname in ('raw', 'staging', 'core', 'meta', 'ref', 'shared', 'public')
          and a.attnum > 0 and not a.attisdropped
    """,
    "views": """
        select n.nspname, c.relname, md5(pg_get_viewdef(c.oid))
        from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
        where c.relkind in ('v', 'm') and n.nspname !~ '^pg_'
          and n.nspname <> 'information_schema'
    """,
    "functions": """
        select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prokind,
               p.prosecdef, coalesce(p.proconfig::text, ''), pg_get_userbyid(p.proowner),
               coalesce(p.proacl::text, ''), md5(p.prosrc)
        from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
        where n.nspname !~ '^pg_(toast_)?temp_'
    """,
    "triggers": """
        select c.relname, t.tgname, t.tgenabled from pg_trigger as t
        join pg_class as c on c.oid = t.tgrelid where not t.tgisinternal
    """,
    "event_triggers": "select evtname, evtevent, evtenabled from pg_event_trigger",
    "policies": "select polrelid::regclass::text, polname from pg_policy",
    "rules": """
        select c.relname, r.rulename from pg_rewrite as r join pg_class as c on c.oid = r.ev_class
        join pg_namespace as n on n.oid = c.relnamespace
        where r.rulename <> '_RETURN' and n.nspname !~ '^pg_(toast_)?temp_'
    """,
    "extensions": "select extname, extversion from pg_extension",
    "default_privileges": "select defaclrole::regrole::text, defaclobjtype, defaclacl::text"
    " from pg_default_acl",
    # Settings of this database (alter database ... set, alter role ... in database ...
    # set) and, for every database, of the hub's roles and the superusers (alter role ...
    # set); other roles are other test runs' business.
    "settings": """
        select coalesce(d.datname, ''), coalesce(r.rolname, ''), s.setconfig::text
        from pg_db_role_setting as s
        left join pg_database as d on d.oid = s.setdatabase
        left join pg_roles as r on r.oid = s.setrole
        where s.setdatabase = (select oid from pg_database where datname = current_database())
           or (s.setdatabase = 0 and (s.setrole = 0 or r.rolsuper or r.rolname in (
                   'hub_owner', 'hub_loader', 'hub_reader', 'hub_steward',
                   'dept_commerce', 'dept_land', 'dept_stats', 'dept_approval')))
    """,
    "database": """
        select datname, pg_get_userbyid(datdba), coalesce(datacl::text, '')
        from pg_database where datname = current_database()
    """,
    # Roles are cluster-wide and other test runs may add logins meanwhile: the hub's roles,
    # the superusers and who may act as the owner are what an injection would go for.
    "roles": """
        select rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin,
               rolbypassrls, coalesce(rolconfig::text, '')
        from pg_roles
        where rolname in ('hub_owner', 'hub_loader', 'hub_reader', 'hub_steward',
                          'dept_commerce', 'dept_land', 'dept_stats', 'dept_approval')
           or rolsuper
    """,
    "owner_members": """
        select m.rolname, r.rolname from pg_auth_members as a
        join pg_roles as r on r.oid = a.roleid join pg_roles as m on m.oid = a.member
        where r.rolname = 'hub_owner' or r.rolsuper
    """,
}


def catalog_snapshot(url: str) -> dict[str, Any]:
    """The warehouse's structure (names, owners, grants, definitions; no OIDs, no data)
    and what a new session's search_path is."""
    with connect(url, autocommit=True) as conn:
        snapshot: dict[str, Any] = {
            name: sorted(tuple(map(str, row)) for row in conn.execute(query))
            for name, query in CATALOG_QUERIES.items()
        }
        snapshot["search_path"] = conn.execute("show search_path").fetchone()[0]
        snapshot["current_user"] = conn.execute("select current_user").fetchone()[0]
    # the database's own name differs between warehouses
    snapshot["database"] = [row[1:] for row in snapshot["database"]]
    snapshot["settings"] = [("this" if row[0] else "", *row[1:]) for row in snapshot["settings"]]
    return snapshot


# ----------------------------------------------------------------------------- the runs


@dataclass
class Run:
    url: str
    report: Any
    catalog_before: dict[str, Any]
    catalog_after: dict[str, Any]


def _sync(databases, tmp_path_factory, scenario, *, land_drift_row=None) -> Run:
    land_dir = tmp_path_factory.mktemp("land-injection")
    url = databases.create()
    catalog_before = catalog_snapshot(url)
    departments = SandboxDepartments(
        scenario, land_dir, ports={"commerce": 0, "approval": 0, "stats": 0}
    )
    departments.start()
    try:
        if land_drift_row is not None:
            _write_land_drift_file(land_dir, scenario, land_drift_row)
        env = {
            **departments.env(),
            "HUB_WAREHOUSE_URL": url,
            "HUB_HOME": str(tmp_path_factory.mktemp("home-injection")),
        }
        report = run_sync(Settings.from_env(env))
    finally:
        departments.stop()
    return Run(url, report, catalog_before, catalog_snapshot(url))


@pytest.fixture(scope="module")
def plan() -> Plan:
    return _plan()


@pytest.fixture(scope="module")
def pwned_before() -> bool:
    return PWNED.exists()


@pytest.fixture(scope="module")
def reference(databases, tmp_path_factory) -> Run:
    """The same scenario synced as generated, with no payload in it."""
    scenario = generate_scenario(size=SCENARIO_SIZE, seed=SCENARIO_SEED)
    return _sync(databases, tmp_path_factory, scenario)


@pytest.fixture(scope="module")
def injected(databases, tmp_path_factory, plan, pwned_before, reference) -> Run:
    return _sync(databases, tmp_path_factory, plan.scenario, land_drift_row=plan.land_drift_row)


def _core_rows(url: str, department: str) -> dict[Any, dict[str, Any]]:
    table, key = CORE_TABLE[department]
    with connect(url) as conn:
        rows = conn.execute(f"select to_jsonb(t) from {table} as t").fetchall()
    out = {}
    for (row,) in rows:
        core_key = (row["period"], row[key]) if department == "stats" else row[key]
        out[core_key] = {k: v for k, v in row.items() if k not in LANDING_COLUMNS}
    return out


def _open_rejects(url: str) -> dict[tuple[str, str], list[tuple[list[str], dict]]]:
    with connect(url) as conn:
        rows = conn.execute(
            "select source_system, source_key, reasons, payload from shared.rejected_records"
            " where not is_resolved"
        ).fetchall()
    out: dict[tuple[str, str], list[tuple[list[str], dict]]] = {}
    for system, key, reasons, payload in rows:
        out.setdefault((system, key), []).append((reasons, payload))
    return out


# ----------------------------------------------------------------------------- sync tests


def test_the_payloads_are_served(plan):
    """Every department carries payloads, in every kind of field asked for."""
    fields = {(i.department, i.field) for i in plan.injected}
    assert {d for d, _ in fields} == set(KEY_FIELD)
    assert {("land", "行政区划"), ("land", "宗地编号"), ("stats", "stat_project_id")} <= fields
    assert {("commerce", "district_code"), ("approval", "project_code")} <= fields
    values = {i.value for i in plan.injected}
    assert {DROP, OR_TRUE, SEARCH_PATH, DOLLAR, COPY_OUT, SHADOW, SET_ROLE, E_STRING} <= values
    assert "\x00" not in "".join(values)  # NUL bytes are the hostile records' business
    assert set(plan.drift_keys) == set(KEY_FIELD)


def test_the_sync_finishes(injected, reference):
    assert reference.report.ok, (reference.report.failures, reference.report.publish_failure)
    assert injected.report.ok, (injected.report.failures, injected.report.publish_failure)
    assert sorted(i["source_system"] for i in injected.report.ingested) == sorted(KEY_FIELD)
    assert {i["status"] for i in injected.report.ingested} == {"ok"}
    with connect(injected.url) as conn:
        status = dict(conn.execute("select source_system, last_status from shared.sync_status"))
    assert status == {d: "ok" for d in KEY_FIELD}


def test_the_warehouse_structure_is_unchanged(injected, reference):
    before, after = injected.catalog_before, injected.catalog_after
    for part in before:
        assert after[part] == before[part], part
    for part in reference.catalog_after:
        assert after[part] == reference.catalog_after[part], part
    assert after["search_path"] == '"$user", public'
    with connect(injected.url) as conn:
        assert conn.execute("select to_regclass('core.projects')").fetchone()[0] is not None
        assert conn.execute("select count(*) from core.projects").fetchone()[0] > 0


def test_records_without_payloads_are_stored_as_in_the_reference_run(injected, reference, plan):
    rejected = _open_rejects(injected.url)
    for department in KEY_FIELD:
        ours = _core_rows(injected.url, department)
        theirs = _core_rows(reference.url, department)
        untouched = {k: v for k, v in ours.items() if k not in plan.touched[department]}
        expected = {k: v for k, v in theirs.items() if k not in plan.touched_reference[department]}
        assert len(untouched) == len(expected), department
        assert untouched == expected, department
        # every record that carries a payload is in core or rejected, never lost
        for key in plan.touched[department]:
            source_key = key[1] if department == "stats" else key
            assert key in ours or (department, source_key) in rejected, (department, key)


def test_every_payload_is_kept_verbatim(injected, plan):
    rejected = _open_rejects(injected.url)
    cores = {department: _core_rows(injected.url, department) for department in KEY_FIELD}
    missing = []
    for item in plan.injected:
        core = cores[item.department]
        row = core.get(_core_key(item.department, item.key, item.period))
        in_core = row is not None and item.value in row.values()
        rejects = [
            reasons
            for reasons, payload in rejected.get((item.department, item.key), [])
            if payload.get(item.field) == item.value and reasons
        ]
        if not in_core and not rejects:
            missing.append(item)
    assert not missing


def test_payloads_rejected_for_a_reason_name_it(injected, plan):
    """A payload in a checked field gives that field's reason, and only where it is."""
    rejected = _open_rejects(injected.url)
    expected_reason = {
        ("commerce", "district_code"): "unknown_district",
        ("commerce", "project_code"): "invalid_project_code",
        ("approval", "district_code"): "unknown_district",
        ("approval", "project_code"): "invalid_project_code",
        ("approval", "matter"): "invalid_enum:matter",
        ("land", "行政区划"): "unknown_district",
        ("land", "项目代码"): "invalid_project_code",
        ("land", "供地方式"): "invalid_enum:供地方式",
        ("stats", "district_code"): "unknown_district",
        ("stats", "project_code"): "invalid_project_code",
        ("stats", "status"): "invalid_enum:status",
    }
    for item in plan.injected:
        reason = expected_reason.get((item.department, item.field))
        if reason is None:
            continue
        reasons = {r for rs, _ in rejected.get((item.department, item.key), []) for r in rs}
        assert reason in reasons, item


def test_unknown_key_names_are_reported_verbatim(injected, plan):
    """JSON keys and land columns the contract does not know are schema drift: reported
    by name in shared.sync_status and kept in the raw payload, never a column or a query."""
    with connect(injected.url) as conn:
        detail = dict(conn.execute("select source_system, detail from shared.sync_status"))
        for department, key in plan.drift_keys.items():
            payloads = [
                p
                for (p,) in conn.execute(
                    f"select payload from {RAW_TABLE[department]} where source_key = %s", (key,)
                )
            ]
            names = HOSTILE_LAND_COLUMNS if department == "land" else tuple(HOSTILE_JSON_KEYS)
            assert any(all(name in p for name in names) for p in payloads), department
            for name in names:
                assert name in (detail[department] or ""), (department, name)


def test_no_copy_to_a_file_ran(injected, pwned_before):
    assert not PWNED_THIS_RUN.exists()
    if not pwned_before:
        assert not PWNED.exists()


# ----------------------------------------------------------------------------- sessions


HUB_SCHEMAS = ("staging", "core", "shared")


def _security_definer_functions(url: str) -> list[tuple[str, list[str]]]:
    with connect(url) as conn:
        return [
            (signature, config or [])
            for signature, config in conn.execute(
                "select p.oid::regprocedure::text, p.proconfig"
                " from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace"
                " where p.prosecdef and n.nspname = any(%s) order by 1",
                (list(HUB_SCHEMAS),),
            )
        ]


def _search_path_of(config: list[str]) -> list[str] | None:
    for setting in config:
        name, _, value = setting.partition("=")
        if name == "search_path":
            return [part.strip().strip('"') for part in value.split(",")]
    return None


def test_security_definer_functions_pin_their_search_path(warehouse_url):
    functions = _security_definer_functions(warehouse_url)
    assert {s.split("(")[0] for s, _ in functions} >= {
        "shared.review_candidate",
        "staging.type_batch",
        "staging.drop_typed_batch",
        "staging.drop_typed_batches",
    }
    unpinned = [s for s, config in functions if _search_path_of(config) is None]
    assert not unpinned


def test_security_definer_search_path_puts_pg_temp_last(warehouse_url):
    """PostgreSQL searches pg_temp FIRST for relations and types unless the path names it
    (CREATE FUNCTION, "Writing SECURITY DEFINER Functions Safely"): ``search_path =
    pg_catalog`` alone lets a caller's temporary table or view stand in for any relation the
    function names unqualified (pg_attribute, pg_roles…). The pinned path must end with
    pg_temp and name no schema a caller can create in."""
    wrong = {
        signature: path
        for signature, config in _security_definer_functions(warehouse_url)
        if (path := _search_path_of(config)) is None
        or path[-1] != "pg_temp"
        or "public" in path
        or "$user" in path
    }
    assert not wrong


def _hostile_session(url: str) -> psycopg.Connection:
    """The ADMIN test connection (autocommit) with a hostile search_path and objects in
    pg_temp standing in for built-ins: a function ``lower``, and relations the hub's
    functions read (``pg_attribute``, ``pg_roles``, ``match_candidates``), readable by
    everyone, so a function running as its owner would read them if it resolved to them."""
    conn = psycopg.connect(libpq_url(url), autocommit=True)
    conn.execute("set search_path = pg_temp, public")
    conn.execute(
        "create function pg_temp.lower(text) returns text language sql as $$ select 'pwned' $$"
    )
    conn.execute(
        "create temp table match_candidates as"
        " select -1::bigint as candidate_id, 'open'::text as status"
    )
    conn.execute(
        "create temp view pg_attribute as"
        " select c.oid as attrelid, 1::int2 as attnum, false as attisdropped,"
        " 'no_such_column'::name as attname from pg_catalog.pg_class as c"
    )
    conn.execute("create temp view pg_roles as select 'hub_loader'::name as rolname where false")
    for name in ("match_candidates", "pg_attribute", "pg_roles"):
        conn.execute(f"grant select on pg_temp.{name} to public")
    # The shadows are in force for the session itself.
    assert conn.execute("show search_path").fetchone()[0] == "pg_temp, public"
    assert conn.execute("select pg_temp.lower('X')").fetchone()[0] == "pwned"
    assert conn.execute("select count(*) from match_candidates").fetchone()[0] == 1
    assert (
        conn.execute(
            "select count(*) from pg_temp.pg_attribute where attname = 'no_such_column'"
        ).fetchone()[0]
        > 0
    )
    return conn


def test_review_candidate_is_not_steered_by_a_hostile_search_path(warehouse_url):
    with connect(warehouse_url) as conn:
        missing = conn.execute(
            "select coalesce(max(candidate_id), 0) + 1000 from core.match_candidates"
        ).fetchone()[0]
        decisions = conn.execute("select count(*) from core.steward_decisions").fetchone()[0]
    with _hostile_session(warehouse_url) as conn:
        for candidate_id in (missing, -1):  # -1: the id the temp match_candidates holds
            with pytest.raises(psycopg.errors.NoDataFound) as error:
                conn.execute(
                    "select shared.review_candidate(%s, 'accept', %s)", (candidate_id, DROP)
                )
            assert error.value.diag.message_primary == f"no match candidate {candidate_id}"
        # the session's own shadows are still there, and still its own business
        assert conn.execute("select pg_temp.lower('X')").fetchone()[0] == "pwned"
    with connect(warehouse_url) as conn:
        after = conn.execute("select count(*) from core.steward_decisions").fetchone()[0]
    assert after == decisions


def test_type_batch_is_not_steered_by_a_hostile_search_path(warehouse_url):
    """staging.type_batch names its table with lower() and grants it to hub_loader if
    pg_roles has that role; a caller's pg_temp.lower and pg_temp.pg_roles must not decide
    either: the table gets its own name and hub_loader its grant."""
    batch_id = "commerce-20240101T000000Z-0123abcd"
    with _hostile_session(warehouse_url) as conn:
        with pytest.raises(psycopg.errors.RaiseException) as error:
            conn.execute("select * from staging.type_batch('commerce__nothing', %s)", (batch_id,))
        assert error.value.diag.message_primary == "no staging view for commerce__nothing"
        table, rows = conn.execute(
            "select table_name, row_count from staging.type_batch('commerce__projects', %s)",
            (batch_id,),
        ).fetchone()
    assert (table, rows) == ("typed__commerce_20240101t000000z_0123abcd", 0)
    with connect(warehouse_url) as conn:
        granted = conn.execute(
            "select has_table_privilege('hub_loader', %s, 'select')", (f"meta.{table}",)
        ).fetchone()[0]
        conn.execute("select staging.drop_typed_batch(%s)", (batch_id,))
        conn.commit()
    assert granted
