"""Record contracts as data: every record the sandbox serves has the shape its department's
contract documents (schemas/<dept>/<entity>.json); the hub knows every folder a department
needs (adding one without a piece fails here); and a department's JSON Schema, staging view
and suite name the same fields: one the schema publishes is typed by the view and no other,
and one the schema requires is the one the suite rejects as missing."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from hub.config import PROJECT_ROOT, SQL_DIR
from hub.sandbox import generate_scenario
from hub.sources import department, source_systems

SCHEMAS = PROJECT_ROOT / "schemas"


def schema(source_system: str, entity: str) -> dict:
    return json.loads((SCHEMAS / source_system / f"{entity}.json").read_text(encoding="utf-8"))


def schema_fields(source_system: str) -> tuple[set[str], set[str]]:
    """(every field the schema publishes, the ones that must have a value). A JSON record's
    value is required when its key is and null is not allowed; in a CSV row (land) every
    column is present and may be '', so there ``minLength: 1`` marks a required value."""
    document = json.loads(department(source_system).schema_file.read_text(encoding="utf-8"))
    properties = document.get("properties", {})
    present = set(document.get("required", []))
    if any("minLength" in p for p in properties.values()):
        needed = {f for f, p in properties.items() if p.get("minLength", 0) >= 1}
    else:
        types = {f: properties.get(f, {}).get("type", []) for f in present}
        needed = {f for f, t in types.items() if "null" not in (t if isinstance(t, list) else [t])}
    return set(properties) | present, needed


def staging_fields(source_system: str) -> set[str]:
    """The payload fields the staging view takes apart (its jsonb_to_record column list)."""
    text = (SQL_DIR / "staging" / f"{source_system}.sql").read_text(encoding="utf-8")
    match = re.search(r"jsonb_to_record\(source\.payload\) as f \((.*?)\n\s*\)", text, re.S)
    assert match, f"sql/staging/{source_system}.sql: no jsonb_to_record(...) as f (...) list"
    columns = re.findall(r'("[^"]+"|\w+) text', match.group(1))
    return {column.strip('"') for column in columns}


def suite_required_fields(source_system: str) -> set[str]:
    suite = json.loads(department(source_system).suite_file.read_text(encoding="utf-8"))
    return {
        e["meta"]["reason"].split(":", 1)[1]
        for e in suite["expectations"]
        if e["meta"]["reason"].startswith("missing_required:")
    }


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


@pytest.mark.parametrize("source_system", source_systems())
def test_schema_is_valid_json_schema(source_system):
    jsonschema.Draft202012Validator.check_schema(
        schema(source_system, department(source_system).entity)
    )


@pytest.mark.parametrize("source_system", source_systems())
def test_schema_staging_view_and_suite_name_the_same_fields(source_system):
    published, required = schema_fields(source_system)
    typed = staging_fields(source_system)
    assert published - typed == set(), "published by the schema, not typed by the view"
    assert typed - published == set(), "typed by the view, not in the schema"
    rejected_when_missing = suite_required_fields(source_system)
    assert required - rejected_when_missing == set(), "required, but the suite lets it be missing"
    assert rejected_when_missing - required == set(), "the suite requires what the schema does not"
    assert department(source_system).key_field in required


@pytest.mark.parametrize("source_system", source_systems())
def test_sandbox_records_match_their_contract_shape(source_system, served_records):
    validator = jsonschema.Draft202012Validator(
        schema(source_system, department(source_system).entity)
    )
    assert served_records[source_system]
    for record in served_records[source_system]:
        errors = sorted(e.message for e in validator.iter_errors(record))
        assert not errors, (record, errors)


def test_a_record_missing_its_key_breaks_the_shape():
    validator = jsonschema.Draft202012Validator(schema("commerce", "projects"))
    assert not validator.is_valid({"project_name": "x"})


@pytest.mark.parametrize("source_system", source_systems())
def test_every_department_has_all_its_pieces(source_system):
    source = department(source_system)
    connector = PROJECT_ROOT / "connectors" / source_system
    for piece in ("client.py", "streams.py", "settings.py", "README.md"):
        assert (connector / piece).is_file(), f"connectors/{source_system}/{piece}"
    assert source.schema_file.is_file()
    assert source.suite_file.is_file()
    assert (SQL_DIR / "staging" / f"{source_system}.sql").is_file()
    assert (SQL_DIR / source.merge_sql).is_file()
    batch_checks = json.loads(
        (PROJECT_ROOT / "expectations" / "batch_checks.json").read_text(encoding="utf-8")
    )
    assert source.name in batch_checks  # optional for a new department; these four have them
    raw_ddl = " ".join(
        p.read_text(encoding="utf-8") for p in (SQL_DIR / "migrations").glob("*.sql")
    )
    assert source.raw_table in raw_ddl
