"""When a hub DAG goes wrong: the failure Notifier and the Deadline Alert of each ingest DAG.

Both turn Airflow's context into a ``hub.alerts.Alert``, keep it in the warehouse
(``meta.alerts``; a failed ingest also shows as 'failed' in ``shared.sync_status``) and send it
where configured. Sending is off by default; each channel is configured at run time, never at
parse time:

* webhook: the Connection ``hub_alert_webhook`` (http; the URL in ``host``, an optional bearer
  token in ``password``), else ``HUB_ALERT_WEBHOOK_URL``;
* email: ``HUB_ALERT_EMAIL`` (comma-separated recipients), sent by the SMTP provider through
  its Connection (``smtp_default``, or ``HUB_ALERT_SMTP_CONN_ID``).

A channel that fails is logged and skipped: it never hides the alert from the other channels
or from the warehouse.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import timedelta

from airflow.sdk import AsyncCallback, BaseNotifier, DeadlineAlert, DeadlineReference

from hub_airflow import assets, schedules

log = logging.getLogger(__name__)

WEBHOOK_CONN_ID = "hub_alert_webhook"
WEBHOOK_URL_ENV = "HUB_ALERT_WEBHOOK_URL"
EMAIL_TO_ENV = "HUB_ALERT_EMAIL"
SMTP_CONN_ENV = "HUB_ALERT_SMTP_CONN_ID"

#: What a task that failed without an exception (killed, timed out in the supervisor, lost with
#: its worker) says in the alert.
NO_EXCEPTION = "failed without an error of its own (killed, timed out or lost with its worker)"


def department_of(dag_id: str, task_id: str | None) -> str | None:
    """The department a task belongs to: every task of ``ingest_<dept>``, and ``hub_sync``'s
    ``ingest_<dept>``. None for a cross-department task (publishing, the bulletin)."""
    for name in (dag_id, task_id or ""):
        dept = name.removeprefix("ingest_")
        if name.startswith("ingest_") and dept in assets.SOURCE_SYSTEMS:
            return dept
    return None


class HubFailureNotifier(BaseNotifier):
    """``on_failure_callback`` of every hub task: runs once a task has failed for good (after
    its retries), in the task's own process."""

    def notify(self, context) -> None:
        from hub.alerts import TASK_FAILED, Alert
        from hub.errors import configured_secrets, one_line

        ti = context["ti"]
        settings = _settings_or_none()
        error = context.get("exception")
        detail = NO_EXCEPTION if error is None else one_line(error, configured_secrets(settings))
        alert = Alert(
            kind=TASK_FAILED,
            dag_id=ti.dag_id,
            task_id=ti.task_id,
            run_id=context.get("run_id"),
            try_number=getattr(ti, "try_number", None),
            source_system=department_of(ti.dag_id, ti.task_id),
            detail=detail,
        )
        raise_alert(alert, settings, context)


def ingest_deadline(source_system: str) -> DeadlineAlert:
    """A department's ingest run not finished within its expected interval after it was
    queued (``schedules.INGEST_DEADLINE``): the department has gone unread that long."""
    interval = schedules.ingest_deadline(source_system)
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=interval,
        callback=AsyncCallback(
            ingest_overdue,
            kwargs={"source_system": source_system, "seconds": interval.total_seconds()},
        ),
    )


async def ingest_overdue(source_system: str, seconds: float, context=None) -> None:
    """The Deadline Alert's callback (it runs in the triggerer, so the blocking work runs in a
    thread)."""
    await asyncio.to_thread(_raise_overdue, source_system, seconds, context or {})


def _raise_overdue(source_system: str, seconds: float, context: dict) -> None:
    from hub.alerts import OVERDUE, Alert

    dag_run = context.get("dag_run") or {}
    get = dag_run.get if isinstance(dag_run, dict) else lambda key: getattr(dag_run, key, None)
    alert = Alert(
        kind=OVERDUE,
        dag_id=get("dag_id") or f"ingest_{source_system}",
        run_id=get("run_id"),
        source_system=source_system,
        detail=(
            f"{source_system}: the ingest run queued at {get('queued_at') or '?'} has not "
            f"finished within {timedelta(seconds=seconds)}; the department has not been read "
            "for longer than expected"
        ),
    )
    raise_alert(alert, _settings_or_none(), context)


def raise_alert(alert, settings, context) -> None:
    """Keep ``alert`` in the warehouse, then send it on every configured channel."""
    from hub.alerts import record
    from hub.errors import configured_secrets, one_line
    from hub.pipeline import warehouse_url

    secrets = configured_secrets(settings)
    if settings is not None:
        try:
            record(warehouse_url(settings), alert)
        except Exception as error:
            log.warning("could not keep the alert in the warehouse: %s", one_line(error, secrets))
    for channel in (_send_webhook, _send_email):
        try:
            channel(alert, context)
        except Exception as error:
            log.warning("alert %s: %s", channel.__name__, one_line(error, secrets))


def _settings_or_none():
    from hub_airflow.connections import hub_settings

    try:
        return hub_settings()
    except Exception as error:  # a broken configuration must not stop the alert being sent
        log.warning("hub settings unavailable for the alert: %s", type(error).__name__)
        return None


def _send_webhook(alert, context) -> None:
    from hub.alerts import post_webhook
    from hub_airflow.connections import connection_to_base_url, optional_connection

    conn = optional_connection(WEBHOOK_CONN_ID)
    url = connection_to_base_url(conn) if conn is not None else os.environ.get(WEBHOOK_URL_ENV)
    if url:
        post_webhook(url, alert, token=conn.password if conn is not None else None)


def _send_email(alert, context) -> None:
    recipients = [r.strip() for r in os.environ.get(EMAIL_TO_ENV, "").split(",") if r.strip()]
    if not recipients:
        return
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    from hub.alerts import email_body, email_subject

    # notify(), not __call__: the subject and body are final text, not Jinja templates.
    SmtpNotifier(
        to=recipients,
        subject=email_subject(alert),
        html_content=email_body(alert),
        smtp_conn_id=os.environ.get(SMTP_CONN_ENV) or None,
    ).notify(context)
