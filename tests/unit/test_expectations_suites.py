"""The suite files: loadable, and every expectation has a known reason and a description.
No database, no GX import (what GX makes of them: tests/integration/test_validation.py)."""

from __future__ import annotations

import json
import re

import pytest

from expectations.suites import load_suite, source_suite_names, suite_names
from hub.warehouse.storable import REASONS as LANDING_REASONS

REASON_RE = re.compile(
    r"missing_required:\S+|invalid_uscc|invalid_project_code|unknown_district|invalid_date"
    r"|invalid_month|invalid_amount|negative_amount|implausible_amount|invalid_enum:\S+"
    r"|unreadable_line|" + "|".join(LANDING_REASONS)
)


def test_one_suite_per_source_entity_and_one_on_core():
    assert source_suite_names() == [
        "approval__events",
        "commerce__projects",
        "land__parcels",
        "stats__roster",
    ]
    assert suite_names() == sorted([*source_suite_names(), "core__projects"])


@pytest.mark.parametrize("name", source_suite_names())
def test_suite_is_reviewable_and_runnable(name):
    suite = load_suite(name)
    assert suite["name"] == name
    assert suite["expectations"]
    for expectation in suite["expectations"]:
        meta = expectation["meta"]
        assert REASON_RE.fullmatch(meta["reason"]), meta
        zh, _, en = meta["description"].partition(" / ")
        assert zh and en, meta
        assert "mostly" not in expectation["kwargs"]  # a reject is per row


def test_required_fields_per_source():
    def required(name):
        return {
            e["meta"]["reason"].removeprefix("missing_required:")
            for e in load_suite(name)["expectations"]
            if e["meta"]["reason"].startswith("missing_required:")
        }

    assert required("commerce__projects") == {
        "project_no",
        "project_name",
        "investor_name",
        "capital_type",
        "industry_category",
        "stage",
        "district_code",
        "total_investment",
        "investment_unit",
        "is_deleted",
        "updated_at",
    }
    assert required("approval__events") == {
        "event_id",
        "project_code",
        "project_name",
        "applicant_name",
        "applicant_uscc",
        "district_code",
        "matter",
        "decision",
        "decided_at",
        "total_investment_wan",
    }
    assert required("land__parcels") == {
        "宗地编号",
        "项目名称",
        "用地单位",
        "行政区划",
        "供地方式",
        "供地面积（公顷）",
        "合同签订日期",
        "状态",
    }
    assert required("stats__roster") == {
        "stat_project_id",
        "project_name",
        "legal_unit_name",
        "legal_unit_uscc",
        "district_code",
        "planned_investment_wan",
        "completed_investment_ytd_wan",
        "included_month",
        "status",
        "start_month",
    }


def test_plausibility_rule_on_every_project_amount():
    """亿元 / 元 slips are caught where a project's planned total investment is stated."""
    found = {
        (name, e["kwargs"]["column"])
        for name in source_suite_names()
        for e in load_suite(name)["expectations"]
        if e["meta"]["reason"] == "implausible_amount"
    }
    assert found == {
        ("commerce__projects", "total_investment_wan"),
        ("approval__events", "total_investment_wan"),
        ("stats__roster", "planned_investment_wan"),
    }
    for name, _column in found:
        (rule,) = [
            e
            for e in load_suite(name)["expectations"]
            if e["meta"]["reason"] == "implausible_amount"
        ]
        assert (rule["kwargs"]["min_value"], rule["kwargs"]["max_value"]) == (10, 50_000_000)
        # 0 means "not stated" and negative amounts have their own reason
        assert rule["kwargs"]["row_condition"]["operator"] == ">"
        assert rule["kwargs"]["row_condition"]["parameter"] == 0


def test_core_suite_is_reviewable():
    suite = load_suite("core__projects")
    assert suite["meta"]["kind"] == "core"
    reasons = set()
    for expectation in suite["expectations"]:
        meta = expectation["meta"]
        zh, _, en = meta["description"].partition(" / ")
        assert zh and en, meta
        assert expectation["severity"] in {"critical", "warning"}
        reasons.add(meta["reason"])
    assert {"missing_stage", "duplicate_project_code"} <= reasons
    # stage dates come from different departments: out of order is a warning, not an error
    pairs = [
        e
        for e in suite["expectations"]
        if e["type"] == "expect_column_pair_values_a_to_be_greater_than_b"
    ]
    assert pairs and all(e["severity"] == "warning" for e in pairs)
    assert all(e["kwargs"]["ignore_row_if"] == "either_value_is_missing" for e in pairs)


@pytest.mark.parametrize("name", source_suite_names())
def test_suite_keeps_row_conditions_few(name):
    """Each distinct row condition is a GX domain of its own: a row count and an aggregate,
    two more full scans of the batch. A value that must parse is checked on its *_unparsed
    column instead (expectations/suites.py), so no suite needs more than one condition."""
    conditions = {
        json.dumps(expectation["kwargs"]["row_condition"], sort_keys=True)
        for expectation in load_suite(name)["expectations"]
        if "row_condition" in expectation["kwargs"]
    }
    assert len(conditions) <= 1, sorted(conditions)


@pytest.mark.parametrize("name", source_suite_names())
def test_suite_rejects_every_landing_finding(name):
    """A record the lander had to make storable, or whose values no field holds, carries
    its findings in the payload (hub/warehouse/storable.py); each source's suite turns
    every kind of finding into a reject of that name, so none passes unnoticed."""
    checked = {
        expectation["kwargs"]["column"]: expectation["meta"]["reason"]
        for expectation in load_suite(name)["expectations"]
        if expectation["type"] == "expect_column_values_to_be_null"
        and expectation["kwargs"]["column"].startswith("findings_")
    }
    assert checked == {f"findings_{reason}": reason for reason in LANDING_REASONS}
