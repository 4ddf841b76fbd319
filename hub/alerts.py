"""Alerts: what the hub keeps and sends when a scheduled run goes wrong.

Airflow's failure Notifier and Deadline Alert callback (``dags/hub_airflow/alerts.py``) build an
``Alert`` from their context and hand it here, so the rules live outside Airflow and are
tested without it:

* ``record`` keeps it in ``meta.alerts``; a failed task of one department also marks that
  department 'failed' in ``shared.sync_status`` (``sql/core/record_alert.sql``).
* ``webhook_payload`` / ``post_webhook``: the JSON a chat or incident tool receives.
* ``email_subject`` / ``email_body``: the mail, in Chinese and English.

Sending is off unless configured (a webhook URL, mail recipients); keeping is always on. The
detail is one redacted line (``hub.errors.one_line``) before it reaches any of them.
"""

from __future__ import annotations

import html
import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import requests

from hub.warehouse.connection import connect, run_sql_file

log = logging.getLogger(__name__)

TASK_FAILED = "task_failed"
OVERDUE = "overdue"

#: A webhook that does not answer within this many seconds is given up (the alert is kept).
WEBHOOK_TIMEOUT = 10.0


@dataclass(frozen=True)
class Alert:
    kind: str  # TASK_FAILED or OVERDUE
    dag_id: str
    detail: str  # one redacted line
    source_system: str | None = None
    task_id: str | None = None
    run_id: str | None = None
    try_number: int | None = None
    raised_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if self.kind not in (TASK_FAILED, OVERDUE):
            raise ValueError(f"unknown alert kind {self.kind!r}")

    @property
    def headline(self) -> str:
        where = self.dag_id if self.task_id is None else f"{self.dag_id}.{self.task_id}"
        dept = f" [{self.source_system}]" if self.source_system else ""
        if self.kind == OVERDUE:
            return f"投资项目枢纽 采集超期 / hub ingest overdue{dept}: {where}"
        return f"投资项目枢纽 任务失败 / hub task failed{dept}: {where}"


def record(warehouse_url: str, alert: Alert) -> None:
    """Keep ``alert`` in the warehouse (one transaction)."""
    params = asdict(alert)
    params.pop("raised_at")  # the warehouse's clock decides, as for every other status row
    with connect(warehouse_url) as conn:
        run_sql_file(conn, "core/record_alert.sql", params)
        conn.commit()


def webhook_payload(alert: Alert) -> dict:
    """What a webhook receives: a ``text`` line (Slack, DingTalk and WeCom robots show it) and
    the alert's fields."""
    fields = asdict(alert)
    fields["raised_at"] = alert.raised_at.isoformat()
    return {"text": f"{alert.headline}: {alert.detail}", "alert": fields}


def post_webhook(url: str, alert: Alert, *, token: str | None = None) -> None:
    """POST the alert as JSON; raises on a transport error or an answer other than 2xx."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.post(
        url, json=webhook_payload(alert), headers=headers, timeout=WEBHOOK_TIMEOUT
    )
    response.raise_for_status()


def email_subject(alert: Alert) -> str:
    return alert.headline


def email_body(alert: Alert) -> str:
    """A small HTML body: the fields of the alert, escaped."""
    rows = [
        ("部门 / Department", alert.source_system or "—"),
        ("DAG", alert.dag_id),
        ("任务 / Task", alert.task_id or "—"),
        ("运行 / Run", alert.run_id or "—"),
        ("尝试 / Try", "—" if alert.try_number is None else str(alert.try_number)),
        ("时间 / At (UTC)", alert.raised_at.strftime("%Y-%m-%d %H:%M:%S")),
        ("原因 / Reason", alert.detail),
    ]
    cells = "".join(
        f"<tr><th align='left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows
    )
    return (
        f"<p>{html.escape(alert.headline)}</p><table>{cells}</table>"
        "<p>`hub status` 显示最近的告警 / shows the recent alerts.</p>"
    )
