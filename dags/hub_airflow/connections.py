"""Turn the task's environment and Airflow Connections into the hub's ``Settings``.

The only place in ``dags/`` that reads configuration. Call it inside a task, never at parse time.

* ``HUB_*`` environment variables are read by ``hub.config.Settings.from_env`` as everywhere else.
* If an Airflow Connection ``hub_warehouse`` (type postgres) exists, it overrides
  ``HUB_WAREHOUSE_URL``: a deployment can keep the warehouse password in Airflow's secrets backend
  instead of the environment. Without it the environment decides.
* The same for each department: if its Connection exists, it overrides all of that
  department's ``HUB_SOURCE_*`` values (a field it leaves empty is empty, not the environment's);
  if not, the environment decides.

  ========================  ======  =====================================================
  Connection                type    fields
  ========================  ======  =====================================================
  ``hub_commerce``          http    base URL (below); the X-Api-Key in ``password``
  ``hub_approval``          http    base URL; OAuth client id in ``login``, secret in
                                    ``password``
  ``hub_stats``             http    base URL; the API token in ``password``
  ``hub_land``              fs      the drop folder in ``extra`` ``{"path": "/data/land"}``
  ========================  ======  =====================================================

  The base URL is built as the HTTP provider's ``HttpHook`` builds it: ``host`` when it holds a
  scheme (``http://sandbox:8101``), else ``<schema>://<host>`` with ``schema`` the scheme
  (default ``https`` for a Connection of type https, ``http`` otherwise); then ``:<port>``
  when ``port`` is set.

Connections are looked up when ``hub_settings()`` is called, inside a task; never at parse time.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.config import Settings

WAREHOUSE_CONN_ID = "hub_warehouse"
COMMERCE_CONN_ID = "hub_commerce"
APPROVAL_CONN_ID = "hub_approval"
STATS_CONN_ID = "hub_stats"
LAND_CONN_ID = "hub_land"

_HTTP_TYPES = ("http", "https")
_LAND_TYPES = ("fs", "generic")

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
    env.update(department_env_from_connections())
    settings = Settings.from_env(env)
    for secret in configured_secrets(settings):
        mask_secret(secret)
    return settings


def warehouse_url_from_connection(conn_id: str = WAREHOUSE_CONN_ID) -> str | None:
    """``postgresql+psycopg://…`` from the Airflow Connection; None when it is not defined."""
    conn = optional_connection(conn_id)
    return None if conn is None else connection_to_url(conn)


def department_env_from_connections() -> dict[str, str]:
    """The ``HUB_SOURCE_*`` values of every department whose Connection is defined; the
    departments without one are left out (the environment decides for them)."""
    env: dict[str, str] = {}
    commerce = optional_connection(COMMERCE_CONN_ID)
    if commerce is not None:
        env["HUB_SOURCE_COMMERCE_URL"] = connection_to_base_url(commerce)
        env["HUB_SOURCE_COMMERCE_KEY"] = commerce.password or ""
    approval = optional_connection(APPROVAL_CONN_ID)
    if approval is not None:
        env["HUB_SOURCE_APPROVAL_URL"] = connection_to_base_url(approval)
        env["HUB_SOURCE_APPROVAL_CLIENT_ID"] = approval.login or ""
        env["HUB_SOURCE_APPROVAL_CLIENT_SECRET"] = approval.password or ""
    stats = optional_connection(STATS_CONN_ID)
    if stats is not None:
        env["HUB_SOURCE_STATS_URL"] = connection_to_base_url(stats)
        env["HUB_SOURCE_STATS_TOKEN"] = stats.password or ""
    land = optional_connection(LAND_CONN_ID)
    if land is not None:
        env["HUB_SOURCE_LAND_DIR"] = connection_to_land_dir(land)
    return env


def optional_connection(conn_id: str) -> Any | None:
    """The Airflow Connection ``conn_id``; None when it is not defined."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:
        return None


def connection_to_base_url(conn: Any) -> str:
    """An http-type Connection → the department's base URL (as ``HttpHook`` builds it)."""
    if conn.conn_type not in _HTTP_TYPES:
        raise ValueError(
            f"Connection {conn.conn_id!r} must be of type http, not {conn.conn_type!r}"
        )
    host = (conn.host or "").strip()
    if not host:
        raise ValueError(f"Connection {conn.conn_id!r} has no host")
    if "://" in host:
        base = host
    else:
        scheme = conn.schema or ("https" if conn.conn_type == "https" else "http")
        base = f"{scheme}://{host}"
    if conn.port:
        base = f"{base.rstrip('/')}:{conn.port}"
    return base.rstrip("/")


def connection_to_land_dir(conn: Any) -> str:
    """An fs-type Connection → the land bureau's drop folder (``extra`` ``{"path": …}``)."""
    if conn.conn_type not in _LAND_TYPES:
        raise ValueError(f"Connection {conn.conn_id!r} must be of type fs, not {conn.conn_type!r}")
    path = (conn.extra_dejson or {}).get("path")
    if not isinstance(path, str) or not path.strip():
        raise ValueError(
            f'Connection {conn.conn_id!r} needs the drop folder in extra {{"path": …}}'
        )
    return path


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
