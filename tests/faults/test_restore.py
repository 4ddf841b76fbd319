"""Restore from backup (issue 16): a warehouse backed up with ``pg_dump -Fc`` and restored
with ``pg_restore`` into a new database, by the steps of RELIABILITY.md's runbook, is the
live warehouse.

After a sync and a second round of changes and sync, the live warehouse is dumped and grants
one scoped reader login. Each test restores the dump into a database of its own and proves:

- the restored warehouse equals the live one at the time of the dump: every relation of
  every hub schema (raw, staging, core, meta — source state, batches, grants — ref, shared)
  row for row, every sequence's position, every relation's owner and privileges, and, once
  `hub db upgrade` ran, the database's own privileges (which a dump without ``--create``
  does not carry); the reader login connects and sees what it saw live;
- ``hub.rebuild.rebuild`` on the restored warehouse (core and shared recomputed from raw
  alone) gives the live core and shared;
- a further incremental sync on the restored warehouse lands exactly what the same sync
  lands on the live one (no version again), and both end equal.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from hub.access import grant
from hub.config import DEFAULT_REFERENCE_DIR, Settings
from hub.pipeline import run_sync
from hub.rebuild import rebuild
from hub.sandbox import SandboxDepartments
from hub.warehouse.connection import connect, libpq_url
from hub.warehouse.migrations import upgrade
from tests.faults.invariant import PER_RUN_COLUMNS, RAW_TABLES, versions_landed_once
from tests.faults.world import World
from tests.snapshots import schema_snapshot, shared_snapshot

pytestmark = pytest.mark.slow

#: Hang guards, not speed checks: each PostgreSQL client tool; the sandbox's clock catching up.
TOOL_WITHIN_S = 600
CLOCK_WITHIN_S = 120
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "restore-test-Pw-1"
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


def tool(name: str) -> str:
    found = shutil.which(name) or str(PG_BIN / name)
    return found


def run_tool(name: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [tool(name), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TOOL_WITHIN_S,
    )
    assert result.returncode == 0, f"{name} failed: {result.stderr[-3000:]}"
    return result


def database_name(url: str) -> str:
    return make_url(url).database


def login_url(url: str, login: str) -> str:
    return (
        make_url(libpq_url(url))
        .set(username=login, password=PASSWORD)
        .render_as_string(hide_password=False)
    )


# ----------------------------------------------------------------------------- snapshots


def hub_schemas(url: str) -> list[str]:
    with connect(url) as conn:
        return [
            name
            for (name,) in conn.execute(
                "select nspname from pg_namespace where nspname <> all(%s)"
                " and nspname not like 'pg_temp%%' and nspname not like 'pg_toast_temp%%'"
                " order by 1",
                [list(SYSTEM_SCHEMAS)],
            )
        ]


def warehouse_snapshot(url: str) -> dict[str, object]:
    """Everything a restore must reproduce: rows of every relation of every hub schema,
    sequence positions, owners and privileges of relations, functions and schemas (a null
    ACL read as the default it stands for: pg_dump leaves out an explicit one equal to it)."""
    found: dict[str, object] = {
        f"{schema}.{name}": rows
        for schema in hub_schemas(url)
        for name, rows in schema_snapshot(url, schema).items()
    }
    with connect(url) as conn:
        found["sequences"] = conn.execute(
            "select schemaname, sequencename, last_value from pg_sequences order by 1, 2"
        ).fetchall()
        found["relation owners and privileges"] = conn.execute(
            "select n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner),"
            " coalesce(c.relacl, acldefault("
            " (case c.relkind when 'S' then 's' else 'r' end)::\"char\", c.relowner))::text"
            " from pg_class as c"
            " join pg_namespace as n on n.oid = c.relnamespace"
            " where n.nspname <> all(%s) and n.nspname not like 'pg_t%%' order by 1, 2",
            [list(SYSTEM_SCHEMAS)],
        ).fetchall()
        found["function owners and privileges"] = conn.execute(
            "select n.nspname, p.oid::regprocedure::text, pg_get_userbyid(p.proowner),"
            " coalesce(p.proacl, acldefault('f', p.proowner))::text, p.prosecdef from pg_proc as p"
            " join pg_namespace as n on n.oid = p.pronamespace"
            " where n.nspname <> all(%s) order by 1, 2",
            [list(SYSTEM_SCHEMAS)],
        ).fetchall()
        found["schema owners and privileges"] = conn.execute(
            "select nspname, pg_get_userbyid(nspowner),"
            " coalesce(nspacl, acldefault('n', nspowner))::text from pg_namespace"
            " where nspname <> all(%s) and nspname not like 'pg_t%%' order by 1",
            [list(SYSTEM_SCHEMAS)],
        ).fetchall()
    return found


def database_privileges(url: str) -> list[str]:
    """The database's own ACL, its name left out, sorted."""
    with connect(url) as conn:
        (acl,) = conn.execute(
            "select coalesce(datacl, acldefault('d', datdba))::text[] from pg_database"
            " where datname = current_database()"
        ).fetchone()
    return sorted(acl)


def core_snapshot(url: str) -> dict[str, list[str]]:
    return schema_snapshot(url, "core")


#: Columns that say when a row was written (the two syncs ran a few seconds apart), or in
#: which batch; everything else, hub project ids included, must be equal.
WRITTEN_WHEN = (
    *PER_RUN_COLUMNS,
    "valid_from",
    "valid_to",
    "retired_at",
    "applied_at",
    "published_at",
    "last_refreshed_at",
    "last_success_at",
    "last_attempt_at",
)


def written_when_dropped(url: str) -> dict[str, list[str]]:
    """shared (sync_status, the run bookkeeping, left out) without WRITTEN_WHEN."""
    return schema_snapshot(url, "shared", skip={"sync_status"}, drop_columns=WRITTEN_WHEN)


def raw_versions(url: str) -> dict[str, list[tuple]]:
    with connect(url) as conn:
        return {
            name: sorted(
                conn.execute(
                    f"select coalesce(source_key, provenance::text), content_hash from {table}"
                ).fetchall()
            )
            for name, table in RAW_TABLES.items()
        }


def source_states(url: str) -> dict[str, object]:
    with connect(url) as conn:
        return dict(conn.execute("select source_system, state from meta.source_state"))


# ----------------------------------------------------------------------------- the backup


@dataclasses.dataclass
class Backup:
    live: Settings
    departments: SandboxDepartments
    dump: Path
    at_dump: dict[str, object]  # warehouse_snapshot(live) when dumped
    core_at_dump: dict[str, list[str]]
    shared_at_dump: dict[str, list[str]]
    privileges_at_dump: list[str]
    login: str
    login_sees: int  # shared.projects rows the scoped login saw live
    dump_seconds: float
    world: World


@pytest.fixture(scope="module")
def backup(databases, scenario, tmp_path_factory):
    home = tmp_path_factory.mktemp("restore")
    url = databases.create()
    login = f"restore_{uuid.uuid4().hex[:8]}"
    departments = SandboxDepartments(
        scenario, home / "land", ports={"commerce": 0, "approval": 0, "stats": 0}
    )
    departments.start()
    try:
        settings = Settings.from_env(
            {**departments.env(), "HUB_WAREHOUSE_URL": url, "HUB_HOME": str(home / "live")}
        )
        assert run_sync(settings).ok
        world = World(scenario, departments, random.Random(16))
        world.apply(8)  # a second round of changes: several batches per source to replay
        assert run_sync(settings).ok
        with connect(url) as conn:
            (district,) = conn.execute(
                "select district_code from core.projects group by 1 order by count(*) desc limit 1"
            ).fetchone()
        grant(url, login, "hub_reader", district_code=district, password=PASSWORD)
        with psycopg.connect(login_url(url, login)) as conn:
            (login_sees,) = conn.execute("select count(*) from shared.projects").fetchone()

        dump = home / "hub.dump"
        started = time.monotonic()
        run_tool("pg_dump", "--format=custom", f"--file={dump}", f"--dbname={libpq_url(url)}")
        dump_seconds = time.monotonic() - started
        yield Backup(
            live=settings,
            departments=departments,
            dump=dump,
            at_dump=warehouse_snapshot(url),
            core_at_dump=core_snapshot(url),
            shared_at_dump=shared_snapshot(url),
            privileges_at_dump=database_privileges(url),
            login=login,
            login_sees=login_sees,
            dump_seconds=dump_seconds,
            world=world,
        )
    finally:
        departments.stop()
        with psycopg.connect(libpq_url(url), autocommit=True) as admin:
            if admin.execute("select 1 from pg_roles where rolname = %s", [login]).fetchone():
                admin.execute(f'drop owned by "{login}"')
                admin.execute(f'drop role "{login}"')


def restore(databases, backup: Backup) -> tuple[str, float]:
    """The runbook: a new empty database, pg_restore, `hub db upgrade`.
    Returns the restored warehouse's URL and how long pg_restore took."""
    name = f"hubtest_{uuid.uuid4().hex[:10]}"
    server = make_url(libpq_url(backup.live.warehouse_url)).set(database="postgres")
    maintenance = server.render_as_string(hide_password=False)
    run_tool("createdb", f"--maintenance-db={maintenance}", "--template=template0", name)
    databases.created.append(name)  # dropped with the session's other databases
    url = (
        make_url(backup.live.warehouse_url).set(database=name).render_as_string(hide_password=False)
    )
    started = time.monotonic()
    run_tool("pg_restore", "--exit-on-error", f"--dbname={libpq_url(url)}", str(backup.dump))
    seconds = time.monotonic() - started
    # `hub db upgrade`: applies nothing, and seals the database again (a dump without
    # --create carries no privileges on the database itself)
    report = upgrade(url, DEFAULT_REFERENCE_DIR)
    assert not report.applied_migrations and not report.applied_repeatables
    return url, seconds


def wait_until_past(departments: SandboxDepartments) -> None:
    """Until the newest commerce updated_at is past. The sandbox stamps each upsert a second
    after the newest record, so a burst of them runs ahead of the clock, and the connector
    takes no future updated_at as its watermark: two syncs run a few seconds apart would
    then save different ones, by the clock alone."""
    newest = max(datetime.fromisoformat(r["updated_at"]) for r in departments.commerce_records())
    deadline = time.monotonic() + CLOCK_WITHIN_S
    while datetime.now(UTC) <= newest:
        assert time.monotonic() < deadline, f"the sandbox's newest record is at {newest}"
        time.sleep(0.2)


def restored_settings(backup: Backup, url: str, home: Path) -> Settings:
    return dataclasses.replace(backup.live, warehouse_url=url, home=home)


# ----------------------------------------------------------------------------- the tests


def test_the_restored_warehouse_equals_the_live_one(backup, databases, capsys):
    url, restore_seconds = restore(databases, backup)

    restored = warehouse_snapshot(url)
    differing = {
        name: (
            sorted(set(map(str, restored.get(name, []))) - set(map(str, rows)))[:3],
            sorted(set(map(str, rows)) - set(map(str, restored.get(name, []))))[:3],
        )
        for name, rows in backup.at_dump.items()
        if restored.get(name) != rows
    }
    assert not differing, f"differ after the restore (only restored, only live): {differing}"
    assert restored.keys() == backup.at_dump.keys()
    assert database_privileges(url) == backup.privileges_at_dump
    # the scoped reader, granted live, reads the restored warehouse as it did the live one
    with psycopg.connect(login_url(url, backup.login)) as conn:
        assert conn.execute("select count(*) from shared.projects").fetchone() == (
            backup.login_sees,
        )

    rows = sum(len(v) for k, v in restored.items() if "." in k and isinstance(v, list))
    with capsys.disabled():
        print(
            f"\nrestore: dump {backup.dump.stat().st_size / 1024:.0f} KiB in"
            f" {backup.dump_seconds:.1f} s, pg_restore {restore_seconds:.1f} s,"
            f" {len([k for k in restored if '.' in k])} relations, {rows} rows compared,"
            f" {versions_landed_once(url)} raw versions"
        )


def test_rebuild_on_the_restored_warehouse_gives_the_live_core_and_shared(
    backup, databases, tmp_path
):
    url, _ = restore(databases, backup)

    result = rebuild(restored_settings(backup, url, tmp_path))

    assert result["batches_replayed"]["commerce"] >= 2
    assert shared_snapshot(url) == backup.shared_at_dump
    core = core_snapshot(url)
    differing = [name for name in backup.core_at_dump if core[name] != backup.core_at_dump[name]]
    assert not differing, f"core differs after the rebuild: {differing}"


def test_a_further_sync_on_the_restored_warehouse_continues_where_the_live_one_would(
    backup, databases, tmp_path
):
    url, _ = restore(databases, backup)
    live = backup.live.warehouse_url
    assert raw_versions(url) == raw_versions(live)
    backup.world.apply(8)  # a third round of changes at the departments
    wait_until_past(backup.departments)

    on_live = run_sync(backup.live)
    on_restored = run_sync(restored_settings(backup, url, tmp_path))

    assert on_live.ok and on_restored.ok, (on_live.failures, on_restored.failures)
    landed = {r["source_system"]: r["records_new"] for r in on_restored.ingested}
    assert landed == {r["source_system"]: r["records_new"] for r in on_live.ingested}
    assert sum(landed.values()) > 0
    versions_landed_once(url)  # none of the restored versions landed again
    assert raw_versions(url) == raw_versions(live)
    assert source_states(url) == source_states(live)
    mine, theirs = written_when_dropped(url), written_when_dropped(live)
    diff = {
        name: (sorted(set(rows) - set(theirs[name]))[:2], sorted(set(theirs[name]) - set(rows))[:2])
        for name, rows in mine.items()
        if rows != theirs[name]
    }
    assert not diff, diff
