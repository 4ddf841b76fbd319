"""Hostile records through the real path: sandbox → connector → raw → validation → rejects.

The sandbox mixes every kind of hostile record (hub/sandbox/hostile.py) into all four
departments' feeds, beside the scenario's own records. One sync must exit cleanly, reject
each hostile record with exactly its reasons, and publish everything else as if the
hostile records were not there.
"""

from __future__ import annotations

import pytest

from hub.cli import main as hub_main
from hub.config import Settings
from hub.lifecycle import STAGES
from hub.pipeline import run_sync, summarize
from hub.sandbox import FaultKnobs, SandboxDepartments
from hub.sandbox.hostile import JSON_KINDS, LAND_KINDS
from hub.warehouse.connection import connect
from tests.conftest import use_hub_env
from tests.snapshots import shared_snapshot

pytestmark = pytest.mark.integration

PER_DEPARTMENT = len(JSON_KINDS)  # every kind at least once in each department


@pytest.fixture
def hostile_sandbox(scenario, tmp_path_factory):
    departments = SandboxDepartments(
        scenario,
        tmp_path_factory.mktemp("land-hostile"),
        ports={"commerce": 0, "approval": 0, "stats": 0},
        faults=FaultKnobs(seed=5, hostile_records=PER_DEPARTMENT),
    )
    departments.start()
    yield departments
    departments.stop()


@pytest.fixture
def settings(hostile_sandbox, fresh_warehouse_url, tmp_path) -> Settings:
    env = {
        **hostile_sandbox.env(),
        "HUB_WAREHOUSE_URL": fresh_warehouse_url,
        "HUB_HOME": str(tmp_path),
    }
    return Settings.from_env(env)


def _rejects(url: str) -> dict[tuple, list[str]]:
    """Open rejects by (source_system, source_key), or (source_system, file, line) for a
    land row without a key."""
    with connect(url) as conn:
        rows = conn.execute(
            "select source_system, source_key, provenance ->> 'file',"
            " (provenance ->> 'line')::int, reasons from shared.rejected_records"
            " where not is_resolved"
        ).fetchall()
    return {
        (system, key) if key is not None else (system, file, line): sorted(reasons)
        for system, key, file, line, reasons in rows
    }


def _where(record) -> tuple:
    if record.source_key is not None:
        return (record.source_system, record.source_key)
    return (record.source_system, record.file, record.line)


def test_every_hostile_record_is_rejected_and_the_rest_is_published(
    settings, hostile_sandbox, scenario_truth, monkeypatch, capsys
):
    hostile = hostile_sandbox.hostile_records()
    played = {(r.source_system, r.kind) for r in hostile}
    for department in ("commerce", "approval", "stats"):
        applicable = {kind for system, kind in played if system == department}
        assert applicable >= set(JSON_KINDS) - {"impossible_date", "impossible_timestamp"}
    assert {kind for system, kind in played if system == "land"} == set(LAND_KINDS)

    report = run_sync(settings)
    assert report.ok, report.failures

    rejected = _rejects(settings.warehouse_url)
    for record in hostile:
        assert rejected.get(_where(record)) == sorted(record.reasons), record
    # Nothing else is rejected but what the scenario broke on purpose.
    expected_bad = {key for key in scenario_truth.bad_records}
    others = {where for where in rejected if where not in {_where(r) for r in hostile}}
    assert {(w[0], w[1]) for w in others} == expected_bad

    # The neighbours of every hostile record (its template first) are published, and the
    # lifecycle comes out exactly as if the hostile records had never been sent.
    summary = summarize(settings)
    assert {s: summary["projects_per_stage"].get(s, 0) for s in STAGES} == {
        s: scenario_truth.stage_counts()[s] for s in STAGES
    }
    with connect(settings.warehouse_url) as conn:
        linked = set(
            conn.execute("select source_system, source_key from shared.project_source_links")
        )
    templates = {(r.source_system, r.copy_of) for r in hostile}
    assert templates <= linked
    assert not {(r.source_system, r.source_key) for r in hostile} & linked

    # What a department reads: its payload kept, the findings named in it.
    with connect(settings.warehouse_url) as conn:
        payloads = dict(
            conn.execute(
                "select source_key, payload from shared.rejected_records"
                " where source_system = 'approval'"
            )
        )
    nul = next(r for r in hostile if r.source_system == "approval" and r.kind == "nul_in_text")
    kept = payloads[nul.source_key]
    assert kept["_landing_findings"] == {"invalid_text": ["project_name"]}
    assert "\\u0000" in kept["project_name"]

    # A second sync, by the CLI, exits 0 and lands nothing again.
    before = shared_snapshot(settings.warehouse_url)
    use_hub_env(monkeypatch, hostile_sandbox, settings)
    assert hub_main(["sync"]) == 0
    assert "FAILED" not in capsys.readouterr().err
    assert shared_snapshot(settings.warehouse_url) == before
