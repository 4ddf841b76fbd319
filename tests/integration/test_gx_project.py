"""The file-backed GX project in gx/: what a GX user opens is what the audit runs.

Its expectation store is expectations/suites/ (the audit's suites, kept once); per suite
there is a validation definition and a Checkpoint whose action updates the Data Docs; and
a Checkpoint runs against a real warehouse (HUB_WAREHOUSE_URL, substituted by GX).
"""

from __future__ import annotations

import json

import pytest

from expectations.gx_project import file_context
from expectations.suites import SUITES_DIR, suite_names

pytestmark = pytest.mark.integration


@pytest.fixture
def context(fresh_warehouse_url, monkeypatch):
    monkeypatch.setenv("HUB_WAREHOUSE_URL", fresh_warehouse_url)
    return file_context()


def test_one_checkpoint_per_suite_that_updates_the_data_docs(context):
    assert sorted(s.name for s in context.suites.all()) == suite_names()
    for name in suite_names():
        checkpoint = context.checkpoints.get(name)
        assert [a.type for a in checkpoint.actions] == ["update_data_docs"]
        (definition,) = checkpoint.validation_definitions
        assert definition.suite.name == name
        written = json.loads((SUITES_DIR / f"{name}.json").read_text(encoding="utf-8"))
        assert definition.suite.id == written["id"]  # the repo's suite, not a copy


def test_a_checkpoint_runs_on_the_warehouse_with_the_hubs_own_expectations(context):
    result = context.checkpoints.get("commerce__projects").run()
    assert result.success  # an empty staging view breaks no expectation
    types = {r.expectation_config.type for run in result.run_results.values() for r in run.results}
    assert "expect_column_values_to_be_valid_uscc" in types
