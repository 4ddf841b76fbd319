"""Alerts of issue 14: the failure Notifier on every task, the Deadline Alert of every ingest DAG,
and a department that is down — its DAG fails and notifies, the rest is unaffected, and the
next run catches up."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SOURCE_SYSTEMS = ("commerce", "approval", "land", "stats")


def test_every_task_of_every_dag_has_the_failure_notifier(dagbag):
    from hub_airflow.alerts import HubFailureNotifier

    for dag in dagbag.dags.values():
        for task in dag.tasks:
            callbacks = task.on_failure_callback
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            assert any(isinstance(c, HubFailureNotifier) for c in callbacks), (
                dag.dag_id,
                task.task_id,
            )


@pytest.mark.parametrize("dept", SOURCE_SYSTEMS)
def test_every_ingest_dag_has_its_deadline(dagbag, dept):
    from airflow.sdk import DeadlineReference
    from hub_airflow import schedules

    (alert,) = dagbag.dags[f"ingest_{dept}"].deadline
    assert alert.reference == DeadlineReference.DAGRUN_QUEUED_AT
    assert alert.interval == schedules.ingest_deadline(dept)
    assert alert.callback.path == "hub_airflow.alerts.ingest_overdue"
    assert alert.callback.kwargs["source_system"] == dept
    # Never shorter than the schedule's own period: a run on time must not be called late.
    assert alert.interval.total_seconds() >= {"approval": 900, "commerce": 3600}.get(dept, 6 * 3600)


def test_department_of_names_the_task_s_department():
    from hub_airflow.alerts import department_of

    assert department_of("ingest_land", "wait_for_done_marker") == "land"
    assert department_of("ingest_stats", "ingest_stats") == "stats"
    assert department_of("hub_sync", "ingest_approval") == "approval"
    assert department_of("hub_sync", "resolve_and_publish") is None
    assert department_of("resolve_and_publish", "resolve_and_publish") is None
    assert department_of("ingest_nowhere", "ingest_nowhere") is None


class _Webhook:
    """A loopback HTTP endpoint that keeps every JSON body POSTed to it."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.headers.get("Authorization"), json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/hub"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    hook = _Webhook()
    yield hook
    hook.close()


def _rows(url: str, query: str) -> list[tuple]:
    from hub.warehouse.connection import connect

    with connect(url) as conn:
        return conn.execute(query).fetchall()


@pytest.mark.integration
@pytest.mark.slow
def test_a_department_down_fails_its_dag_notifies_and_the_next_run_catches_up(
    airflow_db,
    run_dag,
    load_dagbag,
    fresh_warehouse_url,
    sandbox_env,
    webhook,
    monkeypatch,
    tmp_path,
):
    for name, value in sandbox_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HUB_WAREHOUSE_URL", fresh_warehouse_url)
    monkeypatch.setenv("HUB_HOME", str(tmp_path))
    monkeypatch.setenv("HUB_ALERT_WEBHOOK_URL", webhook.url)
    bag = load_dagbag()
    run_dag(bag.dags["ingest_commerce"])
    run_dag(bag.dags["resolve_and_publish"])
    shared_query = "select * from shared.projects order by project_code"
    published = _rows(fresh_warehouse_url, shared_query)
    assert published

    # Stats is down: a port nothing listens on (the sandbox's own, once it is closed).
    monkeypatch.setenv("HUB_SOURCE_STATS_URL", "http://127.0.0.1:9/")
    stats = bag.dags["ingest_stats"]
    for task in stats.tasks:
        task.retries = 0
    deadline, stats.deadline = stats.deadline, None  # see run_dag in conftest.py
    try:
        failed = stats.test()
    finally:
        stats.deadline = deadline
    assert failed.state == "failed"

    status = _rows(
        fresh_warehouse_url,
        "select source_system, last_status, detail from shared.sync_status order by 1",
    )
    assert ("commerce", "ok") in [(s, st) for s, st, _ in status]
    (stats_status,) = [row for row in status if row[0] == "stats"]
    assert stats_status[1] == "failed" and "stats" in stats_status[2]
    alerts = _rows(
        fresh_warehouse_url, "select kind, source_system, dag_id, task_id, detail from meta.alerts"
    )
    assert [a[:4] for a in alerts] == [("task_failed", "stats", "ingest_stats", "ingest_stats")]
    (authorization, payload), *more = webhook.received
    assert not more and authorization is None
    assert payload["alert"]["source_system"] == "stats"
    assert payload["alert"]["kind"] == "task_failed"
    assert sandbox_env["HUB_SOURCE_STATS_TOKEN"] not in json.dumps(payload)
    assert _rows(fresh_warehouse_url, shared_query) == published  # shared unaffected

    # The other departments' DAGs still run.
    run_dag(bag.dags["ingest_approval"])

    # Stats is back: the next run catches up, and publishing brings it into shared.
    monkeypatch.setenv("HUB_SOURCE_STATS_URL", sandbox_env["HUB_SOURCE_STATS_URL"])
    run_dag(stats)
    run_dag(bag.dags["resolve_and_publish"])
    (caught_up,) = _rows(
        fresh_warehouse_url,
        "select last_status, records_last_run from shared.sync_status"
        " where source_system = 'stats'",
    )
    assert caught_up[0] == "ok" and caught_up[1] > 0
    in_stats = _rows(
        fresh_warehouse_url, "select count(*) from shared.projects where 'stats' = any(sources)"
    )
    assert in_stats[0][0] > 0
    assert len(webhook.received) == 1  # success sends nothing


@pytest.mark.integration
def test_an_overdue_ingest_is_kept_and_sent(fresh_warehouse_url, webhook, monkeypatch, capsys):
    """The Deadline Alert's callback, as the triggerer awaits it."""
    from hub_airflow.alerts import ingest_overdue

    monkeypatch.setenv("HUB_WAREHOUSE_URL", fresh_warehouse_url)
    monkeypatch.setenv("HUB_ALERT_WEBHOOK_URL", webhook.url)
    context = {"dag_run": {"dag_id": "ingest_land", "run_id": "scheduled__x", "queued_at": "t0"}}
    asyncio.run(ingest_overdue(source_system="land", seconds=6 * 3600, context=context))

    (alert,) = _rows(
        fresh_warehouse_url, "select kind, source_system, dag_id, run_id, detail from meta.alerts"
    )
    assert alert[:4] == ("overdue", "land", "ingest_land", "scheduled__x")
    assert "6:00:00" in alert[4]
    # An overdue run may still finish: the department's status is not touched.
    assert _rows(fresh_warehouse_url, "select * from meta.sync_runs") == []
    ((_, payload),) = webhook.received
    assert payload["alert"]["kind"] == "overdue" and "land" in payload["text"]

    from hub.config import Settings
    from hub.pipeline import summarize
    from hub.summary import print_summary

    print_summary(summarize(Settings.from_env({"HUB_WAREHOUSE_URL": fresh_warehouse_url})))
    shown = capsys.readouterr().out
    assert "Alerts of the last day" in shown and "overdue" in shown and "ingest_land" in shown


def test_no_channel_is_used_unless_configured(monkeypatch):
    from hub_airflow import alerts

    from hub.alerts import TASK_FAILED, Alert

    monkeypatch.delenv(alerts.WEBHOOK_URL_ENV, raising=False)
    monkeypatch.delenv(alerts.EMAIL_TO_ENV, raising=False)
    posted, mailed = [], []
    monkeypatch.setattr("hub.alerts.post_webhook", lambda *a, **k: posted.append(a))
    monkeypatch.setattr(
        "airflow.providers.smtp.notifications.smtp.SmtpNotifier.notify",
        lambda self, context: mailed.append(self),
    )
    monkeypatch.setattr("hub_airflow.connections.optional_connection", lambda conn_id: None)
    alert = Alert(kind=TASK_FAILED, dag_id="ingest_stats", detail="down")
    alerts.raise_alert(alert, None, {})
    assert posted == [] and mailed == []

    monkeypatch.setenv(alerts.EMAIL_TO_ENV, "ops@example.org, data@example.org")
    alerts.raise_alert(alert, None, {})
    (mail,) = mailed
    assert mail.to == ["ops@example.org", "data@example.org"]
    assert "ingest_stats" in mail.subject and "down" in mail.html_content


def test_deadlines_are_on_unless_turned_off_for_dags_test():
    from hub_airflow.defaults import DEADLINES, deadlines_enabled

    assert DEADLINES is True  # the tests' environment does not turn them off
    assert deadlines_enabled({}) is True
    assert deadlines_enabled({"HUB_AIRFLOW_DEADLINES": "on"}) is True
    for off in ("off", "OFF ", "0", "false"):
        assert deadlines_enabled({"HUB_AIRFLOW_DEADLINES": off}) is False
