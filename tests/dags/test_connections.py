"""hub_settings(): Airflow Connections override the HUB_* environment, department by department.

Connections are given as Airflow resolves env-var connections (``AIRFLOW_CONN_<ID>``, JSON or
URI form), the way docker-compose provides them. No metadata database is needed for that.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"

COMMERCE_KEY = "zz-conn-commerce-SECRET-41a7"
APPROVAL_SECRET = "zz-conn-approval-SECRET-8d2e"
STATS_TOKEN = "zz-conn-stats-SECRET-c9f0"
CONNECTION_SECRETS = (COMMERCE_KEY, APPROVAL_SECRET, STATS_TOKEN)

ENVIRONMENT = {
    "HUB_SOURCE_COMMERCE_URL": "http://env-commerce:1",
    "HUB_SOURCE_COMMERCE_KEY": "env-commerce-key",
    "HUB_SOURCE_APPROVAL_URL": "http://env-approval:2",
    "HUB_SOURCE_APPROVAL_CLIENT_ID": "env-client",
    "HUB_SOURCE_APPROVAL_CLIENT_SECRET": "env-approval-secret",
    "HUB_SOURCE_STATS_URL": "http://env-stats:3",
    "HUB_SOURCE_STATS_TOKEN": "env-stats-token",
    "HUB_SOURCE_LAND_DIR": "/env/land",
}
CONNECTION_VARIABLES = tuple(
    f"AIRFLOW_CONN_HUB_{name}" for name in ("WAREHOUSE", "COMMERCE", "APPROVAL", "STATS", "LAND")
)


@pytest.fixture
def connections(monkeypatch):
    """The hub_airflow.connections module, with the HUB_* environment above and no
    Connection defined."""
    monkeypatch.syspath_prepend(str(DAGS_FOLDER))
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("HUB_WAREHOUSE_URL", raising=False)
    for name in CONNECTION_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    from hub_airflow import connections

    return connections


def _set_department_connections(monkeypatch) -> None:
    # JSON form, host holding the whole base URL (what docker-compose writes) ...
    monkeypatch.setenv(
        "AIRFLOW_CONN_HUB_COMMERCE",
        json.dumps(
            {"conn_type": "http", "host": "http://commerce.example:8101", "password": COMMERCE_KEY}
        ),
    )
    # ... host, port and schema as separate fields ...
    monkeypatch.setenv(
        "AIRFLOW_CONN_HUB_APPROVAL",
        json.dumps(
            {
                "conn_type": "http",
                "host": "approval.example",
                "port": 8443,
                "schema": "https",
                "login": "conn-client",
                "password": APPROVAL_SECRET,
            }
        ),
    )
    # ... and the URI form.
    monkeypatch.setenv("AIRFLOW_CONN_HUB_STATS", f"http://:{STATS_TOKEN}@stats.example:8104")
    monkeypatch.setenv(
        "AIRFLOW_CONN_HUB_LAND", json.dumps({"conn_type": "fs", "extra": {"path": "/conn/land"}})
    )


def test_without_connections_the_environment_decides(connections):
    settings = connections.hub_settings()

    assert settings.commerce.base_url == "http://env-commerce:1"
    assert settings.commerce.api_key == "env-commerce-key"
    assert settings.approval.base_url == "http://env-approval:2"
    assert settings.approval.client_id == "env-client"
    assert settings.approval.client_secret == "env-approval-secret"
    assert settings.stats.base_url == "http://env-stats:3"
    assert settings.stats.token == "env-stats-token"
    assert settings.land.directory == Path("/env/land")
    assert settings.warehouse_url is None


def test_connections_override_the_environment(connections, monkeypatch):
    _set_department_connections(monkeypatch)

    settings = connections.hub_settings()

    assert settings.commerce.base_url == "http://commerce.example:8101"
    assert settings.commerce.api_key == COMMERCE_KEY
    assert settings.approval.base_url == "https://approval.example:8443"
    assert settings.approval.client_id == "conn-client"
    assert settings.approval.client_secret == APPROVAL_SECRET
    assert settings.stats.base_url == "http://stats.example:8104"
    assert settings.stats.token == STATS_TOKEN
    assert settings.land.directory == Path("/conn/land")


def test_each_department_falls_back_on_its_own(connections, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_HUB_STATS", f"http://:{STATS_TOKEN}@stats.example:8104")

    settings = connections.hub_settings()

    assert (settings.stats.base_url, settings.stats.token) == (
        "http://stats.example:8104",
        STATS_TOKEN,
    )
    assert (settings.commerce.base_url, settings.commerce.api_key) == (
        "http://env-commerce:1",
        "env-commerce-key",
    )
    assert settings.approval.client_secret == "env-approval-secret"
    assert settings.land.directory == Path("/env/land")


def test_a_connection_secret_shows_in_no_repr_and_no_log(connections, monkeypatch, caplog, capfd):
    from airflow.sdk._shared.secrets_masker import redact

    _set_department_connections(monkeypatch)
    caplog.set_level(logging.DEBUG)

    settings = connections.hub_settings()
    logging.getLogger("hub.test").info("settings: %r", settings)

    out, err = capfd.readouterr()
    for text in (repr(settings), str(settings), caplog.text, out, err):
        assert not [secret for secret in CONNECTION_SECRETS if secret in text], text
    # Registered with Airflow's log masker, so a task log would show *** instead.
    masked = redact(f"key {COMMERCE_KEY} secret {APPROVAL_SECRET} token {STATS_TOKEN}")
    assert not [secret for secret in CONNECTION_SECRETS if secret in masked], masked


def test_base_url_is_built_as_the_http_hook_builds_it(connections):
    from airflow.sdk import Connection

    def base_url(**fields) -> str:
        return connections.connection_to_base_url(Connection(conn_id="hub_stats", **fields))

    assert base_url(conn_type="http", host="stats", port=8104) == "http://stats:8104"
    assert base_url(conn_type="https", host="stats") == "https://stats"
    assert base_url(conn_type="http", host="stats", schema="https") == "https://stats"
    assert base_url(conn_type="http", host="https://stats.gov/api/") == "https://stats.gov/api"
    with pytest.raises(ValueError, match="type http"):
        base_url(conn_type="postgres", host="stats")
    with pytest.raises(ValueError, match="no host"):
        base_url(conn_type="http")


def test_land_connection_needs_its_path_in_extra(connections):
    from airflow.sdk import Connection

    def land_dir(**fields) -> str:
        return connections.connection_to_land_dir(Connection(conn_id="hub_land", **fields))

    assert land_dir(conn_type="fs", extra='{"path": "/data/land"}') == "/data/land"
    assert land_dir(conn_type="generic", extra='{"path": "/data/land"}') == "/data/land"
    with pytest.raises(ValueError, match="path"):
        land_dir(conn_type="fs", host="/data/land")
    with pytest.raises(ValueError, match="type fs"):
        land_dir(conn_type="http", extra='{"path": "/data/land"}')


def test_parsing_the_dags_looks_up_no_connection(load_dagbag, monkeypatch):
    from airflow.sdk import Connection

    looked_up: list[str] = []

    def get(conn_id, *args, **kwargs):
        looked_up.append(conn_id)
        raise AssertionError(f"Connection {conn_id!r} looked up at parse time")

    monkeypatch.setattr(Connection, "get", get)
    bag = load_dagbag()

    assert bag.import_errors == {}
    assert looked_up == []


def test_compose_connections_alone_give_every_department_setting(connections, monkeypatch):
    """docker-compose gives the Airflow services the warehouse and the departments as
    Connections only (no HUB_SOURCE_*, no HUB_WAREHOUSE_URL); with sample .env values, a task's
    hub_settings() gets all of them from the Connections."""
    import re

    import yaml

    compose = yaml.safe_load((DAGS_FOLDER.parent / "docker-compose.yml").read_text("utf-8"))
    environment = compose["services"]["airflow-scheduler"]["environment"]
    assert not [name for name in environment if name.startswith("HUB_SOURCE_")]
    assert "HUB_WAREHOUSE_URL" not in environment
    variable = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-?])([^}]*))?\}")

    def sample(match: re.Match) -> str:  # a required variable: a sample .env value
        name, operator, argument = match.groups()
        return f"sample-{name.lower()}" if operator == "?" else (argument or "")

    values = {name: variable.sub(sample, str(value)) for name, value in environment.items()}
    for name in [*ENVIRONMENT, *CONNECTION_VARIABLES]:
        monkeypatch.delenv(name, raising=False)
    for name in CONNECTION_VARIABLES:
        monkeypatch.setenv(name, values[name])

    settings = connections.hub_settings()

    assert settings.warehouse_url == (
        "postgresql+psycopg://hub_pipeline:sample-warehouse_loader_password@warehouse:5432/hub"
    )
    assert (settings.commerce.base_url, settings.commerce.api_key) == (
        "http://sandbox:8101",
        "sample-hub_source_commerce_key",
    )
    assert (
        settings.approval.base_url,
        settings.approval.client_id,
        settings.approval.client_secret,
    ) == (
        "http://sandbox:8102",
        "sample-hub_source_approval_client_id",
        "sample-hub_source_approval_client_secret",
    )
    assert (settings.stats.base_url, settings.stats.token) == (
        "http://sandbox:8104",
        "sample-hub_source_stats_token",
    )
    assert settings.land.directory == Path("/data/land")
