"""`hub db upgrade`: versioned migrations, then repeatable view/function files, then seed data.

- ``sql/migrations/NNNN_name.sql`` run once each, in order, recorded in
  ``meta.schema_migrations`` with a checksum; editing an applied file is an error (write a
  new migration instead).
- Repeatable files (``sql/staging``, ``sql/core/views``, ``sql/shared``, then ``sql/grants``) hold
  ``create or replace`` definitions and are re-run, in folder then name order, when their
  checksum changed (and all of them after any new migration, so new tables get their grants
  and owner) — so a second upgrade does nothing.
- Reference CSVs are reloaded when their content differs from what the warehouse holds.

All of it runs under an advisory lock, so two upgrades (or an upgrade and a sync) never
interleave.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from hub.config import SQL_DIR
from hub.warehouse.connection import connect, run_sql_file
from hub.warehouse.locks import warehouse_lock

REPEATABLE_FOLDERS = ("staging", "core/views", "shared", "grants")
REFERENCE_TABLES = {
    # file name → (table, columns); aliases are derived from districts.csv.
    "districts.csv": ("ref.districts", ("district_code", "district_name")),
    "regions.csv": ("ref.regions", ("region", "province", "city")),
    "industry_chains.csv": (
        "ref.industry_chains",
        ("industry_chain", "industry_category", "is_manufacturing"),
    ),
}


@dataclass
class UpgradeReport:
    applied_migrations: list[str] = field(default_factory=list)
    applied_repeatables: list[str] = field(default_factory=list)
    reference_reloaded: bool = False
    # What the SQL said to whoever upgrades (RAISE NOTICE): e.g. logins a migration left
    # without access, or a grant skipped for want of a privilege.
    notices: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.applied_migrations or self.applied_repeatables or self.reference_reloaded)


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def migration_files(sql_dir: Path = SQL_DIR) -> list[Path]:
    return sorted((sql_dir / "migrations").glob("[0-9][0-9][0-9][0-9]_*.sql"))


def repeatable_files(sql_dir: Path = SQL_DIR) -> list[Path]:
    files: list[Path] = []
    for folder in REPEATABLE_FOLDERS:
        files.extend(sorted((sql_dir / folder).glob("*.sql")))
    return files


def upgrade(warehouse_url: str, reference_dir: Path, sql_dir: Path = SQL_DIR) -> UpgradeReport:
    report = UpgradeReport()
    with connect(warehouse_url) as conn, warehouse_lock(conn):
        conn.add_notice_handler(lambda diagnostic: _keep_notice(report, diagnostic))
        run_sql_file(conn, "warehouse/bootstrap_migrations.sql")
        conn.commit()
        applied = dict(conn.execute("select name, checksum from meta.schema_migrations").fetchall())
        for path in migration_files(sql_dir):
            text = path.read_text(encoding="utf-8")
            checksum = _checksum(text)
            if path.name in applied:
                if applied[path.name] != checksum:
                    raise RuntimeError(
                        f"migration {path.name} was edited after it was applied "
                        "(checksum differs); add a new migration instead"
                    )
                continue
            conn.execute(text)
            run_sql_file(
                conn,
                "warehouse/record_migration.sql",
                {"name": path.name, "checksum": checksum, "kind": "versioned"},
            )
            conn.commit()
            report.applied_migrations.append(path.name)

        repeatable_state = dict(
            conn.execute("select name, checksum from meta.schema_repeatables").fetchall()
        )
        # New tables need their grants and owner: after any migration, re-run every file.
        changed_any = bool(report.applied_migrations)
        for path in repeatable_files(sql_dir):
            name = path.relative_to(sql_dir).as_posix()
            text = path.read_text(encoding="utf-8")
            checksum = _checksum(text)
            # Once one file changes, re-run everything after it: later views may depend on it.
            if not changed_any and repeatable_state.get(name) == checksum:
                continue
            changed_any = True
            conn.execute(text)
            run_sql_file(
                conn, "warehouse/record_repeatable.sql", {"name": name, "checksum": checksum}
            )
            report.applied_repeatables.append(name)
        if any(name.startswith("staging/") for name in report.applied_repeatables):
            # A typed batch has the columns of the views it was typed by: a held or failed
            # batch is typed again, by today's views, when it is next audited or merged.
            conn.execute("select staging.drop_typed_batches()")
        run_sql_file(conn, "warehouse/seal_database.sql")
        conn.commit()

        report.reference_reloaded = load_reference_data(conn, reference_dir)
        conn.commit()
    return report


def _keep_notice(report: UpgradeReport, diagnostic: psycopg.errors.Diagnostic) -> None:
    message = diagnostic.message_primary or ""
    if not message.endswith(", skipping"):  # IF [NOT] EXISTS doing its job
        report.notices.append(message)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_reference_data(conn: psycopg.Connection, reference_dir: Path) -> bool:
    """Reload ref.* from the CSVs when their content changed. Returns whether it did."""
    missing = [name for name in REFERENCE_TABLES if not (reference_dir / name).is_file()]
    if missing:
        raise FileNotFoundError(f"reference data missing in {reference_dir}: {', '.join(missing)}")
    digest = hashlib.sha256()
    for name in sorted(REFERENCE_TABLES):
        digest.update((reference_dir / name).read_bytes())
    checksum = digest.hexdigest()
    current = conn.execute(
        "select checksum from meta.schema_repeatables where name = 'reference-data'"
    ).fetchone()
    if current and current[0] == checksum:
        return False

    districts = _read_csv(reference_dir / "districts.csv")
    run_sql_file(conn, "warehouse/truncate_reference.sql")
    for name, (table, columns) in REFERENCE_TABLES.items():
        rows = _read_csv(reference_dir / name)
        with (
            conn.cursor() as cur,
            cur.copy(
                f"copy {table} ({', '.join(columns)}) from stdin"  # names are constants above
            ) as copy,
        ):
            for row in rows:
                copy.write_row([row[c].strip() or None for c in columns])
    buffer = io.StringIO()
    for district in districts:
        for alias in filter(None, (a.strip() for a in district["aliases"].split("|"))):
            buffer.write(f"{alias}\t{district['district_code']}\n")
    with (
        conn.cursor() as cur,
        cur.copy("copy ref.district_aliases (alias, district_code) from stdin") as copy,
    ):
        copy.write(buffer.getvalue())
    run_sql_file(
        conn, "warehouse/record_repeatable.sql", {"name": "reference-data", "checksum": checksum}
    )
    return True
