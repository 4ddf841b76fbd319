"""Record contracts as data: every record the sandbox serves has the shape its department's
contract documents (schemas/<dept>/<entity>.json), and the hub knows every folder a
department needs (a department is a folder: adding one without a piece fails here)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from hub.config import PROJECT_ROOT, SOURCE_SYSTEMS, SQL_DIR
from hub.sandbox import generate_scenario
from hub.sources import SOURCES

SCHEMAS = PROJECT_ROOT / "schemas"


def schema(source_system: str, entity: str) -> dict:
    return json.loads((SCHEMAS / source_system / f"{entity}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def served_records():
    scenario = generate_scenario(size=80, seed=5)
    bad = set(scenario.truth.bad_records)
    return {
        "commerce": [
            r for r in scenario.commerce_records if ("commerce", r["project_no"]) not in bad
        ],
        "approval": [r for r in scenario.approval_events if ("approval", r["event_id"]) not in bad],
        "land": [
            r for f in scenario.land_files for r in f.rows if ("land", r["宗地编号"]) not in bad
        ],
        "stats": [
            r
            for p in scenario.stats_periods
            for r in p.rows
            if ("stats", r["stat_project_id"]) not in bad
        ],
    }


@pytest.mark.parametrize("source_system", sorted(SOURCES))
def test_schema_is_valid_json_schema(source_system):
    jsonschema.Draft202012Validator.check_schema(
        schema(source_system, SOURCES[source_system].entity)
    )


@pytest.mark.parametrize("source_system", sorted(SOURCES))
def test_sandbox_records_match_their_contract_shape(source_system, served_records):
    validator = jsonschema.Draft202012Validator(
        schema(source_system, SOURCES[source_system].entity)
    )
    assert served_records[source_system]
    for record in served_records[source_system]:
        errors = sorted(e.message for e in validator.iter_errors(record))
        assert not errors, (record, errors)


def test_a_record_missing_its_key_breaks_the_shape():
    validator = jsonschema.Draft202012Validator(schema("commerce", "projects"))
    assert not validator.is_valid({"project_name": "x"})


@pytest.mark.parametrize("source_system", sorted(SOURCES))
def test_every_department_has_all_its_pieces(source_system):
    source = SOURCES[source_system]
    connector = PROJECT_ROOT / "connectors" / source_system
    for piece in ("client.py", "streams.py", "settings.py", "README.md"):
        assert (connector / piece).is_file(), f"connectors/{source_system}/{piece}"
    assert (SCHEMAS / source_system / f"{source.entity}.json").is_file()
    assert (
        PROJECT_ROOT / "expectations" / "suites" / f"{source_system}__{source.entity}.json"
    ).is_file()
    assert (SQL_DIR / "staging" / f"{source_system}.sql").is_file()
    assert (SQL_DIR / source.merge_sql).is_file()
    assert source_system in SOURCE_SYSTEMS  # hub_sync builds one ingest_<dept> task per entry
    raw_ddl = " ".join(
        p.read_text(encoding="utf-8") for p in (SQL_DIR / "migrations").glob("*.sql")
    )
    assert source.raw_table in raw_ddl
