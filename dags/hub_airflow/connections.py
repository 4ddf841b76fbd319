"""Turn the task's environment and Airflow Connections into the hub's ``Settings``.

The only place in ``dags/`` that reads configuration. Call it inside a task, never at parse time.

* ``HUB_*`` environment variables are read by ``hub.config.Settings.from_env`` as everywhere else.
* If an Airflow Connection ``hub_warehouse`` (type postgres) exists, it overrides
  ``HUB_WAREHOUSE_URL``: a deployment can keep the warehouse password in Airflow's secrets backend
  instead of the environment. Without it the environment decides.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.config import Settings

WAREHOUSE_CONN_ID = "hub_warehouse"

#: libpq parameters a Connection's extra may carry into the URL's query string.
_LIBPQ_EXTRAS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "connect_timeout",
    "application_name",
)


def hub_settings() -> Settings:
    """The hub's settings for this task run. Its secrets are registered with Airflow's log
    masker, so a task log shows ``***`` wherever one would appear (Connection passwords
    are masked by Airflow itself; the HUB_* environment's are not)."""
    from airflow.sdk.log import mask_secret

    from hub.config import Settings
    from hub.errors import configured_secrets

    env = dict(os.environ)
    url = warehouse_url_from_connection()
    if url is not None:
        env["HUB_WAREHOUSE_URL"] = url
    settings = Settings.from_env(env)
    for secret in configured_secrets(settings):
        mask_secret(secret)
    return settings


def warehouse_url_from_connection(conn_id: str = WAREHOUSE_CONN_ID) -> str | None:
    """``postgresql+psycopg://…`` from the Airflow Connection; None when it is not defined."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = Connection.get(conn_id)
    except AirflowNotFoundException:
        return None
    return connection_to_url(conn)


def connection_to_url(conn: Any) -> str:
    """A postgres-type Connection → the SQLAlchemy URL the hub takes (psycopg 3 driver)."""
    from sqlalchemy.engine import URL

    if conn.conn_type not in ("postgres", "postgresql"):
        raise ValueError(
            f"Connection {conn.conn_id!r} must be of type postgres, not {conn.conn_type!r}"
        )
    extra = conn.extra_dejson or {}
    query = {key: str(extra[key]) for key in _LIBPQ_EXTRAS if extra.get(key) not in (None, "")}
    url = URL.create(
        "postgresql+psycopg",
        username=conn.login or None,
        password=conn.password or None,
        host=conn.host or None,
        port=conn.port or None,
        database=conn.schema or None,
        query=query,
    )
    return url.render_as_string(hide_password=False)
