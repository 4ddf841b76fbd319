"""The suite on the merged core (expectations/suites/core__projects.json) and the Data Docs.

After a sync the core checks have run on core.projects and found nothing wrong with the
sandbox's projects, and the GX Data Docs are in HUB_DATA_DOCS_DIR with every suite. Then
core.projects is broken on purpose, the way a resolution bug would break it: the findings
name the check, its severity and the hub projects, `hub dq` reports them, and only the
critical ones make the run fail — stage dates out of order are a warning.
"""

from __future__ import annotations

import pytest

from expectations.core_audit import audit_core
from hub.cli import main as hub_main
from hub.pipeline import run_sync
from hub.warehouse.connection import connect, sqlalchemy_engine

pytestmark = pytest.mark.integration

SOURCE_SUITES = ("commerce__projects", "approval__events", "land__parcels", "stats__roster")


def latest_core_audit(url: str) -> tuple:
    with connect(url) as conn:
        return conn.execute(
            "select rows_checked, success, findings from meta.core_audits"
            " order by audit_id desc limit 1"
        ).fetchone()


@pytest.fixture
def synced(hub_settings):
    assert run_sync(hub_settings).ok
    return hub_settings


def test_core_checks_and_data_docs_after_a_sync(synced):
    url = synced.warehouse_url
    with connect(url) as conn:
        (projects,) = conn.execute("select count(*) from core.projects").fetchone()
    rows_checked, success, findings = latest_core_audit(url)
    assert (rows_checked, success) == (projects, True)
    assert [f for f in findings if f["severity"] == "critical"] == []

    docs = synced.data_docs_dir
    index = (docs / "index.html").read_text(encoding="utf-8")
    for suite in (*SOURCE_SUITES, "core__projects"):
        assert list((docs / "validations" / suite).rglob("*.html")), suite
        assert (docs / "expectations" / f"{suite}.html").is_file()
        assert suite in index


def test_broken_core_is_reported_not_rejected(synced, monkeypatch, capsys):
    url = synced.warehouse_url
    with connect(url) as conn:
        a, b, c, d = [
            pid
            for (pid,) in conn.execute(
                "select hub_project_id from core.projects where project_code is not null"
                " and signed_on is not null and landed_on is not null"
                " order by hub_project_id limit 4"
            )
        ]
        conn.execute(
            "update core.projects set project_code ="
            " (select project_code from core.projects where hub_project_id = %s)"
            " where hub_project_id = %s",
            [a, b],
        )
        conn.execute("update core.projects set stage = null where hub_project_id = %s", [c])
        conn.execute(
            "update core.projects set landed_on = signed_on - 30 where hub_project_id = %s", [d]
        )
        (rejects,) = conn.execute("select count(*) from meta.rejects").fetchone()
        conn.commit()

    with sqlalchemy_engine(url) as engine:
        result = audit_core(engine)

    assert result.success is False
    found = {f["reason"]: f for f in result.findings}
    assert found["duplicate_project_code"]["severity"] == "critical"
    assert found["duplicate_project_code"]["failing_rows"] == 2
    assert found["duplicate_project_code"]["sample_hub_project_ids"] == sorted([a, b])
    assert found["missing_stage"]["sample_hub_project_ids"] == [c]
    (order,) = [f for f in result.warnings if f["reason"].startswith("stage_dates_out_of_order")]
    assert order["sample_hub_project_ids"] == [d] and "landed_on" in order["check"]
    assert latest_core_audit(url)[1:] == (False, result.findings)
    with connect(url) as conn:  # findings, not rejects
        assert conn.execute("select count(*) from meta.rejects").fetchone() == (rejects,)

    for name, value in {
        "HUB_WAREHOUSE_URL": url,
        "HUB_HOME": str(synced.home),
    }.items():
        monkeypatch.setenv(name, value)
    assert hub_main(["dq"]) == 0
    out = capsys.readouterr().out
    assert "FAILED" in out and "duplicate_project_code: 2 rows" in out
    assert f"hub_project_id {min(a, b)}, {max(a, b)}" in out


def test_warnings_alone_do_not_fail_the_core_checks(synced):
    url = synced.warehouse_url
    with connect(url) as conn:
        conn.execute(
            "update core.projects set production_on = construction_started_on - 1"
            " where hub_project_id = (select min(hub_project_id) from core.projects"
            " where construction_started_on is not null)"
        )
        conn.commit()
    with sqlalchemy_engine(url) as engine:
        result = audit_core(engine)
    assert result.success is True
    assert [f["severity"] for f in result.findings] == ["warning"]
