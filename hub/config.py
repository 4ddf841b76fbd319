"""Environment → typed settings. The only module of the hub that reads HUB_* variables.

Library code takes these objects as arguments; it never looks at the environment itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from connectors.approval.settings import ApprovalSettings
from connectors.commerce.settings import CommerceSettings
from connectors.land.settings import LandSettings
from connectors.stats.settings import StatsSettings
from hub.errors import redacted_url

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = PROJECT_ROOT / "sql"
DEFAULT_REFERENCE_DIR = PROJECT_ROOT / "reference"

# Every variable the hub reads, with what it is for (the README's configuration table and
# the docker-compose wiring test are checked against this).
ENV_VARS: dict[str, str] = {
    "HUB_WAREHOUSE_URL": "warehouse SQLAlchemy URL (postgresql+psycopg://…); unset = embedded",
    "HUB_HOME": "working folder: embedded warehouse, land drops, data docs (default ./var)",
    "HUB_EMBEDDED_PORT": "TCP port of the embedded warehouse on 127.0.0.1 (default 54329)",
    "HUB_REFERENCE_DIR": "folder with districts.csv, regions.csv, industry_chains.csv",
    "HUB_ACCESS_PASSWORD": "password for logins created by `hub access grant`",
    "HUB_DATA_DOCS_DIR": "where GX Data Docs are built (default $HUB_HOME/data_docs)",
    "HUB_BULLETIN_DIR": "where the monthly_bulletin DAG writes (default $HUB_HOME/bulletins)",
    "HUB_SOURCE_COMMERCE_URL": "commerce platform base URL",
    "HUB_SOURCE_COMMERCE_KEY": "commerce X-Api-Key",
    "HUB_SOURCE_APPROVAL_URL": "approval bureau base URL",
    "HUB_SOURCE_APPROVAL_CLIENT_ID": "approval OAuth client id",
    "HUB_SOURCE_APPROVAL_CLIENT_SECRET": "approval OAuth client secret",
    "HUB_SOURCE_STATS_URL": "statistics bureau base URL",
    "HUB_SOURCE_STATS_TOKEN": "statistics API token",
    "HUB_SOURCE_LAND_DIR": "folder where the land bureau drops its daily CSV files",
    "HUB_AIRFLOW_TASK_RETRIES": "retries per Airflow task (default 2; `hub demo` uses 0)",
    "HUB_SYNC_JOBS": "departments `hub sync` ingests at once (default: departments or CPUs)",
    "HUB_AIRFLOW_DEADLINES": "off: ingest DAGs without Deadline Alerts (for `airflow dags test`)",
    "HUB_ALERT_WEBHOOK_URL": "Airflow alerts also POSTed here as JSON (unset: not sent)",
    "HUB_ALERT_EMAIL": "Airflow alerts also mailed to these, comma-separated (unset: not sent)",
    "HUB_ALERT_SMTP_CONN_ID": "Airflow Connection the alert mail goes through (smtp_default)",
}

SANDBOX_DEFAULT_URLS = {
    "commerce": "http://127.0.0.1:8101",
    "approval": "http://127.0.0.1:8102",
    "stats": "http://127.0.0.1:8104",
}


@dataclass(frozen=True)
class Settings:
    """Everything one sync needs, resolved from the environment once."""

    warehouse_url: str | None
    home: Path
    embedded_port: int
    reference_dir: Path
    data_docs_dir: Path
    bulletin_dir: Path
    commerce: CommerceSettings
    approval: ApprovalSettings
    land: LandSettings
    stats: StatsSettings
    access_password: str | None = field(default=None, repr=False)
    sync_jobs: int | None = None  # None: `hub sync` decides (hub/cli.py)

    def __repr__(self) -> str:
        # Written out because the generated one would show the warehouse URL's password;
        # the departments' settings hide their own credentials in their reprs, and
        # access_password is left out. str() is this too.
        shown = {
            f.name: redacted_url(self.warehouse_url)
            if f.name == "warehouse_url" and self.warehouse_url
            else getattr(self, f.name)
            for f in fields(self)
            if f.repr
        }
        return f"Settings({', '.join(f'{name}={value!r}' for name, value in shown.items())})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        home = Path(env.get("HUB_HOME") or PROJECT_ROOT / "var").resolve()
        return cls(
            warehouse_url=env.get("HUB_WAREHOUSE_URL") or None,
            home=home,
            embedded_port=int(env.get("HUB_EMBEDDED_PORT") or 54329),
            reference_dir=Path(env.get("HUB_REFERENCE_DIR") or DEFAULT_REFERENCE_DIR),
            data_docs_dir=Path(env.get("HUB_DATA_DOCS_DIR") or home / "data_docs"),
            bulletin_dir=Path(env.get("HUB_BULLETIN_DIR") or home / "bulletins"),
            commerce=CommerceSettings(
                base_url=env.get("HUB_SOURCE_COMMERCE_URL", SANDBOX_DEFAULT_URLS["commerce"]),
                api_key=env.get("HUB_SOURCE_COMMERCE_KEY", ""),
            ),
            approval=ApprovalSettings(
                base_url=env.get("HUB_SOURCE_APPROVAL_URL", SANDBOX_DEFAULT_URLS["approval"]),
                client_id=env.get("HUB_SOURCE_APPROVAL_CLIENT_ID", ""),
                client_secret=env.get("HUB_SOURCE_APPROVAL_CLIENT_SECRET", ""),
            ),
            land=LandSettings(directory=Path(env.get("HUB_SOURCE_LAND_DIR") or home / "land")),
            stats=StatsSettings(
                base_url=env.get("HUB_SOURCE_STATS_URL", SANDBOX_DEFAULT_URLS["stats"]),
                token=env.get("HUB_SOURCE_STATS_TOKEN", ""),
            ),
            access_password=env.get("HUB_ACCESS_PASSWORD") or None,
            sync_jobs=_positive_int("HUB_SYNC_JOBS", env.get("HUB_SYNC_JOBS")),
        )


def _positive_int(name: str, text: str | None) -> int | None:
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {text!r}")
    return value
