"""hub/warehouse/storable.py and the connectors' verbatim JSON: what PostgreSQL cannot store
or no field may hold is found, kept recoverably, and clean records are never touched."""

from __future__ import annotations

import json
import math

import pytest

from connectors.common.http import loads_verbatim
from connectors.common.records import SourceNumber, SourceRecord
from hub.warehouse.landing import canonical_json
from hub.warehouse.storable import (
    FINDINGS_KEY,
    MAX_KEY_CHARS,
    MAX_TEXT_CHARS,
    escape_text,
    needs_inspection,
    storable_record,
)

CLEAN = {
    "project_no": "SW-2024-0001",
    "project_name": "青岛某新能源汽车零部件项目（一期）",
    "total_investment": 12.5,
    "is_deleted": False,
    "project_code": None,
    "note": "第一行\n第二行\t制表",
}


def _record(payload, key="SW-2024-0001", **extra) -> SourceRecord:
    return SourceRecord(entity="projects", source_key=key, payload=payload, **extra)


def _unescape(text: str) -> str:
    """The inverse of escape_text: read it as the body of a JSON string."""
    return json.loads(f'"{text}"')


def test_a_clean_record_is_not_inspected_nor_changed():
    assert not needs_inspection(canonical_json(CLEAN))
    record = _record(CLEAN)
    assert storable_record(record) == (record, {})


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("坏\x00名", "invalid_text"),
        ("lone \ud800 surrogate", "invalid_text"),
        ("bad byte \udcff from surrogateescape", "invalid_text"),
        ("bell\x07 escape\x1b", "invalid_text"),
        ("del\x7f", "invalid_text"),
        ({"zh": "名称"}, "invalid_type"),
        ([1, 2], "invalid_type"),
        (math.inf, "invalid_number"),
        (-math.inf, "invalid_number"),
        (math.nan, "invalid_number"),
        (SourceNumber("1e309"), "invalid_number"),
        (SourceNumber("9" * 5000), "invalid_number"),
        ("名" * (MAX_TEXT_CHARS + 1), "value_too_long"),
        (object(), "unreadable_row"),
    ],
)
def test_each_kind_of_hostile_value_is_found_and_made_storable(value, reason):
    record = _record({**CLEAN, "project_name": value})
    stored, findings = storable_record(record)
    assert findings == {reason: ["project_name"]}
    assert stored.payload[FINDINGS_KEY] == findings
    text = json.dumps(stored.payload, ensure_ascii=False, allow_nan=False)
    text.encode("utf-8")  # PostgreSQL's jsonb takes it: valid UTF-8, no NUL, finite numbers
    assert "\\u0000" not in text.replace("\\\\", "")
    assert {k: v for k, v in stored.payload.items() if k not in (FINDINGS_KEY, "project_name")} == {
        k: v for k, v in CLEAN.items() if k != "project_name"
    }


@pytest.mark.parametrize("text", ["坏\x00名", "a\\b\x01c", "\ud800\\u0000"])
def test_escaped_text_is_the_original_read_back(text):
    stored, _ = storable_record(_record({"project_name": text}))
    assert _unescape(stored.payload["project_name"]) == text
    assert _unescape(escape_text(text)) == text


def test_numbers_keep_the_token_the_department_wrote():
    payload = loads_verbatim('{"a": 1e309, "b": NaN, "c": -Infinity, "d": 1.5, "e": 7}')
    stored, findings = storable_record(_record(payload))
    assert findings == {"invalid_number": ["a", "b", "c"]}
    assert [stored.payload[k] for k in "abcde"] == ["1e309", "NaN", "-Infinity", 1.5, 7]


def test_a_huge_integer_does_not_fail_the_page():
    payload = loads_verbatim('{"amount": ' + "9" * 5000 + "}")
    assert payload["amount"] == SourceNumber("9" * 5000)


def test_a_bad_key_is_escaped_and_an_overlong_key_dropped():
    stored, findings = storable_record(_record(CLEAN, key="SW\x00-1"))
    assert stored.source_key == "SW\\u0000-1"
    assert findings == {"invalid_text": ["<source key>"]}
    stored, findings = storable_record(_record(CLEAN, key="K" * (MAX_KEY_CHARS + 1)))
    assert stored.source_key is None
    assert findings == {"value_too_long": ["<source key>"]}


def test_field_names_context_and_provenance_are_made_storable_too():
    record = _record(
        {"na\x00me": "x"},
        context={"period": "2024-0\x003"},
        provenance={"file": "f\ud800.csv", "line": 3},
    )
    stored, findings = storable_record(record)
    assert findings == {"invalid_text": ["context.period", "na\\u0000me", "provenance.file"]}
    assert stored.payload["na\\u0000me"] == "x"
    assert stored.context == {"period": "2024-0\\u00003"}


def test_nested_values_only_count_as_a_wrong_type_at_field_level():
    stored, findings = storable_record(_record({"name": {"zh": "a\x00", "n": [math.nan]}}))
    assert findings == {
        "invalid_text": ["name.zh"],
        "invalid_number": ["name.n[0]"],
        "invalid_type": ["name"],
    }
    assert stored.payload["name"] == {"zh": "a\\u0000", "n": ["NaN"]}


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "a\\b"},  # a backslash: walked, found clean
        {"name": "项目[一期]"},
        {"name": "x" * (MAX_TEXT_CHARS - 5)},  # the record is longer than a field may be
    ],
)
def test_records_that_only_look_suspicious_are_kept_as_they_are(payload):
    assert needs_inspection(canonical_json(payload))
    record = _record(payload)
    assert storable_record(record) == (record, {})
