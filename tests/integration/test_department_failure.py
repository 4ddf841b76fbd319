"""A department whose ingest fails in a way nobody planned for fails only itself.

Two departments are broken from inside the pipeline: stats's merge runs and then hits a
database error whose CONTEXT quotes a payload (so the merge must be rolled back), approval's
audit raises a RuntimeError whose text holds a configured secret and a URL with a password.
Commerce and land must still be merged and published; shared.sync_status must say which
departments failed and why, in one line without payload or secret; the department's advisory
lock must be free; `hub sync` must exit non-zero and name them on stderr without a traceback;
and once the fault is gone the next sync publishes them too.
"""

from __future__ import annotations

import logging

import pytest

import expectations.runner
import hub.pipeline
from hub.cli import main as hub_main
from hub.errors import MAX_REASON
from hub.lifecycle import STAGES
from hub.pipeline import run_sync, summarize
from hub.warehouse.connection import connect
from tests.conftest import use_hub_env

pytestmark = pytest.mark.integration

MARKER = "PAYLOAD-MARKER"
#: A JSON document cut short: casting it fails, and CONTEXT quotes its text.
BROKEN_JSON = '{"project_name": "' + f"{MARKER}-" * 40
STATS_REASON = "InvalidTextRepresentation: invalid input syntax for type json [SQLSTATE 22P02]"
OTHER_PASSWORD = "hunter2-elsewhere"


def break_stats_merge(monkeypatch) -> None:
    """Stats: the merge runs, then the same transaction fails (a psycopg error)."""
    real_merge = hub.pipeline.merge_batch

    def merge(conn, source_system, batch_id):
        real_merge(conn, source_system, batch_id)
        if source_system == "stats":
            conn.execute("select %s::jsonb", (BROKEN_JSON,))

    monkeypatch.setattr(hub.pipeline, "merge_batch", merge)


def break_approval_audit(monkeypatch, settings) -> None:
    """Approval: the GX audit raises something no code expects, quoting secrets."""
    real_audit = expectations.runner.audit_batch

    def audit(engine, source_system, *args, **kwargs):
        if source_system == "approval":
            raise RuntimeError(
                f"audit blew up using client secret {settings.approval.client_secret} on "
                f"postgresql://hub:{OTHER_PASSWORD}@elsewhere:5432/hub; row {BROKEN_JSON}"
            )
        return real_audit(engine, source_system, *args, **kwargs)

    monkeypatch.setattr(expectations.runner, "audit_batch", audit)


def sync_status(url: str) -> dict[str, tuple[str, str | None]]:
    with connect(url) as conn:
        rows = conn.execute("select source_system, last_status, detail from shared.sync_status")
        return {system: (status, detail) for system, status, detail in rows}


def linked_systems(url: str) -> set[str]:
    with connect(url) as conn:
        rows = conn.execute("select distinct source_system from shared.project_source_links")
        return {system for (system,) in rows}


def count(url: str, query: str) -> int:
    with connect(url) as conn:
        return conn.execute(query).fetchone()[0]


def advisory_locks_held(url: str) -> int:
    return count(
        url,
        "select count(*) from pg_locks where locktype = 'advisory'"
        " and database = (select oid from pg_database where datname = current_database())",
    )


def test_an_unforeseen_failure_fails_only_its_department(hub_settings, scenario_truth, monkeypatch):
    url = hub_settings.warehouse_url
    break_stats_merge(monkeypatch)
    break_approval_audit(monkeypatch, hub_settings)

    report = run_sync(hub_settings)

    assert not report.ok
    assert set(report.failures) == {"stats", "approval"}
    assert report.failures["stats"] == STATS_REASON
    approval_reason = report.failures["approval"]
    assert approval_reason.startswith("RuntimeError: audit blew up using client secret ***")
    assert "postgresql://hub:***@elsewhere" in approval_reason
    assert len(approval_reason) <= MAX_REASON and "\n" not in approval_reason
    assert MARKER not in report.failures["stats"]  # CONTEXT quoted it: dropped
    for reason in report.failures.values():
        assert BROKEN_JSON not in reason  # a message quoting a whole row is cut short
        assert hub_settings.approval.client_secret not in reason
        assert OTHER_PASSWORD not in reason
    # the others were ingested, merged and published
    assert [item["source_system"] for item in report.ingested] == ["commerce", "land"]
    assert report.published and report.published["projects"] > 0
    assert linked_systems(url) == {"commerce", "land"}
    assert count(url, "select count(*) from shared.projects") == report.published["projects"]

    status = sync_status(url)
    assert status["stats"] == ("failed", STATS_REASON)
    assert status["approval"] == ("failed", approval_reason)
    assert status["commerce"][0] == status["land"][0] == "ok"
    with connect(url) as conn:
        batches = dict(
            conn.execute(
                "select source_system, status from meta.batches"
                " where source_system in ('stats', 'approval')"
            ).fetchall()
        )
    assert batches == {"stats": "failed", "approval": "failed"}
    # stats's merge ran before the failure and was rolled back with it
    assert count(url, "select count(*) from core.stats_roster") == 0
    assert count(url, "select count(*) from raw.stats__roster") > 0  # landed, kept for later
    assert advisory_locks_held(url) == 0

    # fixed: the next sync merges what the failed batches landed, and publishes everything
    monkeypatch.undo()
    again = run_sync(hub_settings)
    assert again.ok, again.failures
    assert linked_systems(url) == {"commerce", "approval", "land", "stats"}
    assert {system: s for system, (s, _) in sync_status(url).items()} == dict.fromkeys(
        ("commerce", "approval", "land", "stats"), "ok"
    )
    summary = summarize(hub_settings)
    assert {s: summary["projects_per_stage"].get(s, 0) for s in STAGES} == {
        s: scenario_truth.stage_counts()[s] for s in STAGES
    }


def test_hub_sync_names_the_failed_department_without_a_traceback(
    hub_settings, sandbox, monkeypatch, capsys, caplog
):
    use_hub_env(monkeypatch, sandbox, hub_settings)
    break_stats_merge(monkeypatch)

    exit_code = hub_main(["sync", "--jobs", "1"])  # the patch lives in this process

    out, err = capsys.readouterr()
    assert exit_code == 1
    assert f"stats FAILED: {STATS_REASON}" in err.splitlines()
    assert "Traceback" not in err and MARKER not in err + out
    assert "published" in out  # the other three were

    # -v: the traceback is logged, its messages redacted the same way
    caplog.set_level(logging.INFO)
    exit_code = hub_main(["-v", "sync", "--source", "stats"])
    out, err = capsys.readouterr()
    assert exit_code == 1
    assert f"stats FAILED: {STATS_REASON}" in err.splitlines()
    assert "Traceback (most recent call last)" in caplog.text
    assert "in merge" in caplog.text  # the frames are there
    assert MARKER not in caplog.text + err + out


def test_hub_sync_reports_a_failed_publish_in_one_line(hub_settings, sandbox, monkeypatch, capsys):
    use_hub_env(monkeypatch, sandbox, hub_settings)

    def publish(settings, clock=None):
        with connect(settings.warehouse_url) as conn:
            conn.execute("select %s::jsonb", (BROKEN_JSON,))

    monkeypatch.setattr(hub.pipeline, "resolve_and_publish", publish)

    exit_code = hub_main(["sync", "--source", "land"])

    out, err = capsys.readouterr()
    assert exit_code == 1
    assert f"publish FAILED: {STATS_REASON}" in err.splitlines()
    assert "land " in out and "published" not in out
    assert "Traceback" not in err and MARKER not in err + out
    assert sync_status(hub_settings.warehouse_url)["land"][0] == "ok"


def test_a_broken_connection_still_marks_the_department_failed(hub_settings, monkeypatch):
    """The failure kills the ingest's own connection: the mark goes in on a fresh one."""
    url = hub_settings.warehouse_url
    real_merge = hub.pipeline.merge_batch

    def merge(conn, source_system, batch_id):
        if source_system == "land":
            with connect(url, autocommit=True) as other:
                other.execute("select pg_terminate_backend(%s)", (conn.info.backend_pid,))
            conn.execute("select 1")
        real_merge(conn, source_system, batch_id)

    monkeypatch.setattr(hub.pipeline, "merge_batch", merge)

    report = run_sync(hub_settings, sources=("commerce", "land"))

    assert set(report.failures) == {"land"}
    # AdminShutdown, or OperationalError if the client notices the closed socket first
    assert report.failures["land"].startswith(("AdminShutdown: ", "OperationalError: "))
    assert sync_status(url)["land"] == ("failed", report.failures["land"])
    assert linked_systems(url) == {"commerce"}
    assert advisory_locks_held(url) == 0
