"""hub.alerts: what an alert says, by webhook and by mail (no Airflow, no warehouse)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.alerts import OVERDUE, TASK_FAILED, Alert, email_body, email_subject, webhook_payload

AT = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown alert kind"):
        Alert(kind="oops", dag_id="ingest_stats", detail="x")


def test_the_webhook_payload_has_a_text_line_and_every_field():
    alert = Alert(
        kind=TASK_FAILED,
        dag_id="hub_sync",
        task_id="ingest_stats",
        source_system="stats",
        run_id="scheduled__1",
        try_number=3,
        detail="stats: http://stats/ unavailable",
        raised_at=AT,
    )
    payload = webhook_payload(alert)
    assert payload["text"] == (
        "投资项目枢纽 任务失败 / hub task failed [stats]: hub_sync.ingest_stats: "
        "stats: http://stats/ unavailable"
    )
    assert payload["alert"] == {
        "kind": "task_failed",
        "dag_id": "hub_sync",
        "detail": "stats: http://stats/ unavailable",
        "source_system": "stats",
        "task_id": "ingest_stats",
        "run_id": "scheduled__1",
        "try_number": 3,
        "raised_at": "2026-12-07T10:30:00+00:00",
    }


def test_an_overdue_alert_names_the_dag_only():
    alert = Alert(kind=OVERDUE, dag_id="ingest_land", source_system="land", detail="late")
    assert email_subject(alert) == "投资项目枢纽 采集超期 / hub ingest overdue [land]: ingest_land"


def test_the_mail_escapes_what_a_record_could_put_in_the_detail():
    alert = Alert(
        kind=TASK_FAILED, dag_id="resolve_and_publish", detail="<script>x</script> & more"
    )
    body = email_body(alert)
    assert "<script>" not in body
    assert "&lt;script&gt;x&lt;/script&gt; &amp; more" in body
    assert "<th align='left'>部门 / Department</th><td>—</td>" in body
